// Builds berthd's services in dependency order and registers their API routes (STYLE.md: registration
// is explicit; no side-effect imports). Each later slice adds its services here.
import type { Logger } from '../base/log.js';
import { registerNetworks } from '../dockerapi/networks.js';
import { Router } from '../dockerapi/router.js';
import type { ServerIdentity } from '../dockerapi/server.js';
import { registerSystem } from '../dockerapi/system.js';
import { registerVolumes } from '../dockerapi/volumes.js';
import { openStores } from '../metadata/index.js';
import { hostLayout } from '../runtime/cgroups/layout.js';
import type { DaemonConfig } from './config.js';
import { NetworkService, type PublishEvent } from './services/networks/index.js';
import { VolumeService } from './services/volumes/index.js';

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
  const { stores } = await openStores(config.root);
  const publish: PublishEvent = (type, action, id, attributes) =>
    instance.log.debug(`${type} ${action}`, { id, ...attributes });
  let networks: NetworkService;
  try {
    networks = await NetworkService.open({
      root: config.root,
      state: config.state,
      bridge: config.bridge,
      bip: config.bip,
      addressPools: config.defaultAddressPools,
      dns: config.dns,
      log: instance.log,
      publish,
    });
  } catch (err) {
    await stores.close();
    throw err;
  }
  const volumes = new VolumeService(stores, config.root, publish, instance.log);
  registerNetworks(router, networks);
  registerVolumes(router, volumes);
  registerSystem(router, {
    version: instance.version,
    config,
    id: instance.id,
    counts: {
      containers: () => ({ running: 0, paused: 0, stopped: 0 }),
      images: () => 0,
    },
    storage: { driver: 'overlayfs', status: [['driver-type', 'io.containerd.snapshotter.v1']] },
    cgroup: { driver: 'cgroupfs', version: hostLayout().unifiedOnly ? '2' : '1' },
  });
  return {
    router,
    identity: { version: instance.version, experimental: config.experimental },
    close: async () => {
      await networks.close();
      await stores.close();
    },
  };
}
