// Builds berthd's services in dependency order and registers their API routes (STYLE.md: registration
// is explicit; no side-effect imports). Each later slice adds its services here.
import { join } from 'node:path';
import type { Logger } from '../base/log.js';
import { registerArchive } from '../dockerapi/archive.js';
import { registerContainers } from '../dockerapi/containers.js';
import { registerContainerStreams, registerStats } from '../dockerapi/containers-streams.js';
import { registerEvents } from '../dockerapi/events.js';
import { registerExec } from '../dockerapi/exec.js';
import { Router } from '../dockerapi/router.js';
import type { ServerIdentity } from '../dockerapi/server.js';
import { registerSystem } from '../dockerapi/system.js';
import { hostLayout } from '../runtime/cgroups/layout.js';
import { DOCKER_NAMESPACE, openStores } from '../metadata/index.js';
import type { DaemonConfig } from './config.js';
import { ContainerService, DirectoryVolumes, StoreImageSource } from './services/containers/index.js';
import { EventBus } from './services/events/index.js';
import { ShimManager } from './shim-client/index.js';

/** What the wiring hands back to the daemon. */
export interface Wired {
  router: Router;
  identity: ServerIdentity;
  /** Releases what the services hold (databases, watchers). */
  close(): Promise<void>;
}

/** Facts about this daemon instance. */
export interface Instance {
  version: string;
  id: string;
  log: Logger;
}

/** Wires the services for `config`. */
export async function wire(config: DaemonConfig, instance: Instance): Promise<Wired> {
  const router = new Router();
  const { stores, snapshotter } = await openStores(config.root);
  const events = new EventBus();
  const containers = new ContainerService({
    stores,
    snapshotter,
    shims: new ShimManager({ root: join(config.state, 'shims') }),
    events,
    images: new StoreImageSource(stores),
    volumes: new DirectoryVolumes(config.root),
    config,
    log: instance.log,
  });
  const adopted = await containers.recover();
  if (adopted) instance.log.info('containers re-adopted', { running: adopted });
  registerContainers(router, containers);
  registerContainerStreams(router, containers);
  registerStats(router, containers);
  registerArchive(router, containers);
  registerExec(router, containers);
  registerEvents(router, events);
  registerSystem(router, {
    version: instance.version,
    config,
    id: instance.id,
    counts: {
      containers: () => containers.counts(),
      images: () => stores.images(DOCKER_NAMESPACE).list().length,
    },
    storage: { driver: 'overlayfs', status: [['driver-type', 'io.containerd.snapshotter.v1']] },
    cgroup: { driver: 'cgroupfs', version: hostLayout().unifiedOnly ? '2' : '1' },
  });
  return {
    router,
    identity: { version: instance.version, experimental: config.experimental },
    close: async () => {
      containers.close();
      await stores.close();
    },
  };
}
