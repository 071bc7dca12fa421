// The method tables of runtime.v1.RuntimeService and runtime.v1.ImageService: every method of both, each
// served by its own file or answered UNIMPLEMENTED with the reason. server.ts refuses to start when the
// proto has a method that is not listed here.
import { attachRpc } from './attach.js';
import { execRpc } from './exec.js';
import { portForwardRpc } from './port-forward.js';
import { containerStatsRpc, listContainerStats, streamContainerStats } from './container-stats.js';
import { containerStatus } from './container-status.js';
import { listPodSandboxStats, podSandboxStatsRpc, streamPodSandboxStats } from './pod-sandbox-stats.js';
import { createContainer } from './create-container.js';
import { execSync } from './exec-sync.js';
import { getContainerEvents } from './get-container-events.js';
import { imageFsInfo } from './image-fs-info.js';
import { imageStatus } from './image-status.js';
import { listContainers, streamContainers } from './list-containers.js';
import { listImages, streamImages } from './list-images.js';
import { pullImage } from './pull-image.js';
import { removeContainer } from './remove-container.js';
import { removeImage } from './remove-image.js';
import { reopenContainerLog } from './reopen-container-log.js';
import { startContainer } from './start-container.js';
import { stopContainer } from './stop-container.js';
import { notServed, serverStream, unary, type Rpc } from './handler.js';
import { listPodSandbox, streamPodSandboxes } from './list-pod-sandbox.js';
import { podSandboxStatusRpc } from './pod-sandbox-status.js';
import { removePodSandbox } from './remove-pod-sandbox.js';
import { runPodSandbox } from './run-pod-sandbox.js';
import { runtimeConfig } from './runtime-config.js';
import { status } from './status.js';
import { stopPodSandbox } from './stop-pod-sandbox.js';
import { updateContainerResources } from './update-container-resources.js';
import { updateRuntimeConfig } from './update-runtime-config.js';
import { version } from './version.js';

/** runtime.v1.RuntimeService. */
export const RUNTIME_RPCS: Record<string, Rpc> = {
  Version: unary(version),
  RunPodSandbox: unary(runPodSandbox),
  StopPodSandbox: unary(stopPodSandbox),
  RemovePodSandbox: unary(removePodSandbox),
  PodSandboxStatus: unary(podSandboxStatusRpc),
  ListPodSandbox: unary(listPodSandbox),
  StreamPodSandboxes: serverStream(streamPodSandboxes),
  CreateContainer: unary(createContainer),
  StartContainer: unary(startContainer),
  StopContainer: unary(stopContainer),
  RemoveContainer: unary(removeContainer),
  ListContainers: unary(listContainers),
  StreamContainers: serverStream(streamContainers),
  ContainerStatus: unary(containerStatus),
  UpdateContainerResources: unary(updateContainerResources),
  ReopenContainerLog: unary(reopenContainerLog),
  ExecSync: unary(execSync),
  Exec: unary(execRpc),
  Attach: unary(attachRpc),
  PortForward: unary(portForwardRpc),
  ContainerStats: unary(containerStatsRpc),
  ListContainerStats: unary(listContainerStats),
  StreamContainerStats: serverStream(streamContainerStats),
  PodSandboxStats: unary(podSandboxStatsRpc),
  ListPodSandboxStats: unary(listPodSandboxStats),
  StreamPodSandboxStats: serverStream(streamPodSandboxStats),
  UpdateRuntimeConfig: unary(updateRuntimeConfig),
  Status: unary(status),
  CheckpointContainer: notServed('berth has no checkpoint/restore (CRIU)'),
  GetContainerEvents: serverStream(getContainerEvents),
  // kubelet falls back to cAdvisor's metrics when the runtime has no descriptors (KEP-2371).
  ListMetricDescriptors: notServed('berth reports no Prometheus-style metrics; use the stats calls'),
  ListPodSandboxMetrics: notServed('berth reports no Prometheus-style metrics; use the stats calls'),
  StreamPodSandboxMetrics: notServed('berth reports no Prometheus-style metrics; use the stats calls'),
  RuntimeConfig: unary(runtimeConfig),
  UpdatePodSandboxResources: notServed('pod-level in-place resize is not supported'),
};

/** runtime.v1.ImageService. */
export const IMAGE_RPCS: Record<string, Rpc> = {
  ListImages: unary(listImages),
  StreamImages: serverStream(streamImages),
  ImageStatus: unary(imageStatus),
  PullImage: unary(pullImage),
  RemoveImage: unary(removeImage),
  ImageFsInfo: unary(imageFsInfo),
};
