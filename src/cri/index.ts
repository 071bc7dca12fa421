// Berth's CRI v1 server (kubelet and crictl talk to it): what berthd's wiring starts. types of the
// lifecycle: pods/pod-service.ts; the wire: api/cri/v1/api.proto; one RPC per file beside this one.
import { join } from 'node:path';
import { BerthError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { packageRoot } from '../base/package-root.js';
import type { DaemonConfig, RuntimeConfig } from '../daemon/config.js';
import { ShimManager, type ShimRuntime } from '../daemon/shim-client/index.js';
import type { Stores } from '../metadata/index.js';
import { NetworkManager } from '../network/index.js';
import { CriContainerService } from './containers/service.js';
import type { CriContext } from './context.js';
import { openCriImages } from './images.js';
import { PodNetworks } from './pods/pod-network.js';
import { PodService } from './pods/pod-service.js';
import { startCriServer, type CriServer } from './server.js';
import { Sandboxes } from './store/sandboxes.js';
import { StreamingServer } from './streaming/server.js';
import { sessionHandler } from './streaming/sessions.js';

export type { CriServer } from './server.js';
export { loadCriServices, LOADER_OPTIONS, criProtoPath } from './proto.js';

/** What the CRI server is built from. */
export interface CriOptions {
  /** The socket (berthd: <state>/cri.sock). */
  socket: string;
  /** CRI's persistent directory (<root>/cri): pod directories, the pod network's definition. */
  root: string;
  /** CRI's runtime directory (<state>/cri): netns and CNI attachment records of pods. */
  state: string;
  /** The daemon's stores: CRI's records, images and snapshots are in namespace k8s.io. */
  stores: Stores;
  /** The snapshotter the stores were opened with. */
  snapshotter: string;
  /** The daemon config: runtimes (runtime_handler picks one; "" is the built-in runtime), registries. */
  config: Pick<DaemonConfig, 'runtimes' | 'registries' | 'registryMirrors' | 'insecureRegistries'>;
  /** Environment of the shims (tests drop NODE_EXTRA_CA_CERTS). */
  env?: NodeJS.ProcessEnv;
  version: string;
  log: Logger;
}

/** The holder binary (native/pause), or $BERTH_PAUSE. */
export function holderPath(): string {
  return process.env.BERTH_PAUSE ?? join(packageRoot(), 'native', 'build', 'berth-pause');
}

/** The runtime a runtime_handler names. */
export function runtimeForHandler(runtimes: Record<string, RuntimeConfig>, handler: string): ShimRuntime {
  if (handler === '') return { kind: 'builtin' };
  const rt = runtimes[handler];
  if (!rt)
    throw new BerthError(
      'InvalidArgument',
      `runtime_handler "${handler}": no such runtime (configured: ${['""', ...Object.keys(runtimes).map((n) => `"${n}"`)].join(', ')})`,
    );
  return { kind: 'oci', path: rt.path, ...(rt.runtimeArgs?.length ? { args: rt.runtimeArgs } : {}) };
}

/** A running CRI server and the services behind it. */
export interface Cri extends CriServer {
  containers: CriContainerService;
}

/** Builds the CRI services, recovers what ran before, and serves them on `o.socket`. */
export async function startCri(o: CriOptions): Promise<Cri> {
  const shims = new ShimManager({ root: join(o.state, 'shims'), ...(o.env ? { env: o.env } : {}) });
  const images = await openCriImages(o.config, o.stores, o.snapshotter, o.version);
  const runtimeFor = (h: string): ShimRuntime => runtimeForHandler(o.config.runtimes, h);
  let manager: Promise<NetworkManager> | undefined;
  // Opened on the first pod that needs a network: hostNetwork-only nodes never touch iptables.
  const networks = new PodNetworks(
    () =>
      (manager ??= NetworkManager.open({ root: o.root, state: o.state, defaultBridge: false, log: o.log })),
  );
  const pods = new PodService({
    dir: join(o.root, 'sandboxes'),
    sandboxes: new Sandboxes(o.stores.db),
    shims,
    networks,
    runtimeFor,
    holderBinary: holderPath(),
    log: o.log,
  });
  const containers = new CriContainerService({
    dir: join(o.root, 'containers'),
    stores: o.stores,
    shims,
    images,
    pods,
    runtimeFor,
    log: o.log,
  });
  const running = await containers.recover();
  if (running) o.log.info('cri containers re-adopted', { running });
  const streaming = new StreamingServer(sessionHandler(containers, pods), o.log);
  await streaming.start();
  const ctx: CriContext = {
    version: o.version,
    log: o.log,
    pods,
    networks,
    containers,
    images,
    streaming,
    snapshotRoot: join(o.stores.root, 'snapshots'),
  };
  const server = await startCriServer(ctx, o.socket).catch(async (err: unknown) => {
    await streaming.close();
    throw err;
  });
  return {
    containers,
    socket: server.socket,
    close: async () => {
      await server.close();
      await streaming.close();
      if (manager) await (await manager).close();
    },
  };
}
