// The method tables of runtime.v1.RuntimeService and runtime.v1.ImageService: every method of both, each
// served by its own file or answered UNIMPLEMENTED with the reason. server.ts refuses to start when the
// proto has a method that is not listed here.
import { notServed, serverStream, unary, type Rpc } from './handler.js';
import { listPodSandbox, streamPodSandboxes } from './list-pod-sandbox.js';
import { podSandboxStatusRpc } from './pod-sandbox-status.js';
import { removePodSandbox } from './remove-pod-sandbox.js';
import { runPodSandbox } from './run-pod-sandbox.js';
import { runtimeConfig } from './runtime-config.js';
import { status } from './status.js';
import { stopPodSandbox } from './stop-pod-sandbox.js';
import { updateRuntimeConfig } from './update-runtime-config.js';
import { version } from './version.js';

const NO_CONTAINERS = 'containers in pods are not served yet by this berthd';
const NO_IMAGES = 'the CRI image service is not served yet by this berthd';

/** runtime.v1.RuntimeService. */
export const RUNTIME_RPCS: Record<string, Rpc> = {
  Version: unary(version),
  RunPodSandbox: unary(runPodSandbox),
  StopPodSandbox: unary(stopPodSandbox),
  RemovePodSandbox: unary(removePodSandbox),
  PodSandboxStatus: unary(podSandboxStatusRpc),
  ListPodSandbox: unary(listPodSandbox),
  StreamPodSandboxes: serverStream(streamPodSandboxes),
  CreateContainer: notServed(NO_CONTAINERS),
  StartContainer: notServed(NO_CONTAINERS),
  StopContainer: notServed(NO_CONTAINERS),
  RemoveContainer: notServed(NO_CONTAINERS),
  ListContainers: notServed(NO_CONTAINERS),
  StreamContainers: notServed(NO_CONTAINERS),
  ContainerStatus: notServed(NO_CONTAINERS),
  UpdateContainerResources: notServed(NO_CONTAINERS),
  ReopenContainerLog: notServed(NO_CONTAINERS),
  ExecSync: notServed(NO_CONTAINERS),
  Exec: notServed('the streaming server is not served yet by this berthd'),
  Attach: notServed('the streaming server is not served yet by this berthd'),
  PortForward: notServed('the streaming server is not served yet by this berthd'),
  ContainerStats: notServed(NO_CONTAINERS),
  ListContainerStats: notServed(NO_CONTAINERS),
  StreamContainerStats: notServed(NO_CONTAINERS),
  PodSandboxStats: notServed('pod statistics are not served yet by this berthd'),
  ListPodSandboxStats: notServed('pod statistics are not served yet by this berthd'),
  StreamPodSandboxStats: notServed('pod statistics are not served yet by this berthd'),
  UpdateRuntimeConfig: unary(updateRuntimeConfig),
  Status: unary(status),
  CheckpointContainer: notServed('berth has no checkpoint/restore (CRIU)'),
  GetContainerEvents: notServed(NO_CONTAINERS),
  // kubelet falls back to cAdvisor's metrics when the runtime has no descriptors (KEP-2371).
  ListMetricDescriptors: notServed('berth reports no Prometheus-style metrics; use the stats calls'),
  ListPodSandboxMetrics: notServed('berth reports no Prometheus-style metrics; use the stats calls'),
  StreamPodSandboxMetrics: notServed('berth reports no Prometheus-style metrics; use the stats calls'),
  RuntimeConfig: unary(runtimeConfig),
  UpdatePodSandboxResources: notServed('pod-level in-place resize is not supported'),
};

/** runtime.v1.ImageService. */
export const IMAGE_RPCS: Record<string, Rpc> = {
  ListImages: notServed(NO_IMAGES),
  StreamImages: notServed(NO_IMAGES),
  ImageStatus: notServed(NO_IMAGES),
  PullImage: notServed(NO_IMAGES),
  RemoveImage: notServed(NO_IMAGES),
  ImageFsInfo: notServed(NO_IMAGES),
};
