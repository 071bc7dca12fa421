// Builds berthd's services in dependency order and registers their API routes (STYLE.md: registration
// is explicit; no side-effect imports). Each later slice adds its services here.
import { join } from 'node:path';
import type { Logger } from '../base/log.js';
import { startCri } from '../cri/index.js';
import { registerArchive } from '../dockerapi/archive.js';
import { registerContainers } from '../dockerapi/containers.js';
import { registerContainerStreams, registerStats } from '../dockerapi/containers-streams.js';
import { registerEvents } from '../dockerapi/events.js';
import { registerExec } from '../dockerapi/exec.js';
import { registerImageArchives } from '../dockerapi/images-archive.js';
import { registerImageChanges } from '../dockerapi/images-change.js';
import { registerImagePull } from '../dockerapi/images-pull.js';
import { registerImagePush } from '../dockerapi/images-push.js';
import { registerImages } from '../dockerapi/images.js';
import { registerNetworks } from '../dockerapi/networks.js';
import { Router } from '../dockerapi/router.js';
import type { ServerIdentity } from '../dockerapi/server.js';
import { registerSystemDf } from '../dockerapi/system-df.js';
import { registerSystem } from '../dockerapi/system.js';
import { registerVolumes } from '../dockerapi/volumes.js';
import { hostLayout } from '../runtime/cgroups/layout.js';
import { openStores } from '../metadata/index.js';
import type { DaemonConfig } from './config.js';
import { containerAttachments, ContainerService, StoreImageSource } from './services/containers/index.js';
import { EventBus } from './services/events/index.js';
import { openImageService } from './services/images/index.js';
import { NetworkService } from './services/networks/index.js';
import { VolumeService } from './services/volumes/index.js';
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
  const opened = await openStores(config.root);
  if (opened.fallbackReason !== undefined)
    instance.log.warn('overlay snapshotter unavailable, using native copies', {
      reason: opened.fallbackReason,
    });
  const { stores, snapshotter } = opened;
  const images = await openImageService(config, stores, snapshotter, instance.version).catch(
    async (err: unknown) => {
      await stores.close();
      throw err;
    },
  );
  const events = new EventBus();
  const publish = events.publish.bind(events);
  const networks = await NetworkService.open({
    root: config.root,
    state: config.state,
    bridge: config.bridge,
    bip: config.bip,
    addressPools: config.defaultAddressPools,
    dns: config.dns,
    log: instance.log,
    publish,
  }).catch(async (err: unknown) => {
    await stores.close();
    throw err;
  });
  const volumes = new VolumeService(stores, config.root, publish, instance.log);
  const containers = new ContainerService({
    stores,
    snapshotter,
    shims: new ShimManager({ root: join(config.state, 'shims') }),
    events,
    images: new StoreImageSource(stores),
    volumes,
    networks,
    config,
    log: instance.log,
  });
  const adopted = await containers.recover();
  if (adopted) instance.log.info('containers re-adopted', { running: adopted });
  networks.attachContainers(containerAttachments(containers.ctx));
  // After the re-adoption: what containers that died meanwhile left (netns, veths, rules, leases) goes.
  const live = new Set(
    containers.ctx.records
      .list()
      .filter((c) => c.state === 'running' || c.state === 'paused')
      .map((c) => c.id),
  );
  const recovered = await networks.recover((id) => live.has(id));
  if (recovered.removed.length || recovered.failed.length)
    instance.log.info('container networking recovered', {
      removed: recovered.removed.length,
      failed: recovered.failed.map((f) => `${f.containerId}: ${f.error}`).join('; ') || undefined,
    });
  registerImages(router, images);
  registerImageChanges(router, images);
  registerImagePull(router, images);
  registerImagePush(router, images);
  registerImageArchives(router, images);
  registerSystemDf(router, images, {
    volumes: async () =>
      volumes.usage().map((v) => ({
        summary: v,
        size: v.UsageData?.Size ?? 0,
        active: (v.UsageData?.RefCount ?? 0) > 0,
      })),
  });
  registerContainers(router, containers);
  registerContainerStreams(router, containers);
  registerStats(router, containers);
  registerArchive(router, containers);
  registerExec(router, containers);
  registerEvents(router, events);
  registerNetworks(router, networks);
  registerVolumes(router, volumes);
  registerSystem(router, {
    version: instance.version,
    config,
    id: instance.id,
    counts: {
      containers: () => containers.counts(),
      images: () => images.imageCount(),
    },
    storage: {
      driver: snapshotter === 'overlay' ? 'overlayfs' : 'native',
      status: [['driver-type', 'io.containerd.snapshotter.v1']],
    },
    cgroup: { driver: 'cgroupfs', version: hostLayout().unifiedOnly ? '2' : '1' },
  });
  // CRI v1 for kubelet and crictl on <state>/cri.sock, its objects in namespace k8s.io (src/cri).
  const cri = await startCri({
    socket: join(config.state, 'cri.sock'),
    root: join(config.root, 'cri'),
    state: join(config.state, 'cri'),
    stores,
    snapshotter,
    config,
    version: instance.version,
    log: instance.log,
  }).catch(async (err: unknown) => {
    containers.close();
    await stores.close();
    throw err;
  });
  return {
    router,
    identity: { version: instance.version, experimental: config.experimental },
    close: async () => {
      await cri.close();
      containers.close();
      await networks.close();
      await stores.close();
    },
  };
}
