// GET /system/df (SystemDataUsage): what images, containers, volumes and the build cache use on disk. Up to
// API 1.51 the answer is the legacy form (LayersSize, Images, Containers, Volumes, BuildCache); from 1.52
// the per-type usage objects (ImageUsage, ContainerUsage, VolumeUsage, BuildCacheUsage, with Items when
// verbose), and 1.52 alone sends both, as the swagger's CHANGELOG says. Images come from the image service;
// containers and volumes from providers their services register (none yet: empty lists).
import type { ImageService } from '../images/service/index.js';
import type { ApiContext } from './context.js';
import { type ImageSummary, imageSummary, sharedSizes } from './images.js';
import type { Router } from './router.js';

/** A container or volume as /system/df lists it, with the size it counts and whether it is in use. */
export interface UsageItem {
  summary: unknown;
  size: number;
  active: boolean;
}

/** What the other services contribute. */
export interface DiskUsageProviders {
  containers?: () => Promise<UsageItem[]>;
  volumes?: () => Promise<UsageItem[]>;
}

function usage(items: UsageItem[], verbose: boolean): Record<string, unknown> {
  return {
    ActiveCount: items.filter((i) => i.active).length,
    TotalCount: items.length,
    Reclaimable: items.filter((i) => !i.active).reduce((s, i) => s + i.size, 0),
    TotalSize: items.reduce((s, i) => s + i.size, 0),
    ...(verbose ? { Items: items.map((i) => i.summary) } : {}),
  };
}

/** Adds GET /system/df. */
export function registerSystemDf(
  router: Router,
  images: ImageService,
  providers: DiskUsageProviders = {},
): void {
  router.add('GET', '/system/df', async (ctx: ApiContext) => {
    const types = ctx.query.getAll('type');
    const want = (t: string): boolean => types.length === 0 || types.includes(t);
    const all = want('image') ? await images.list() : [];
    const shared = await sharedSizes(images, all);
    const summaries: ImageSummary[] = [];
    const imageItems: UsageItem[] = [];
    const layers = new Map<string, number>();
    for (const image of all) {
      const containers = images.containerCount(image);
      const s = await imageSummary(images, image, { shared: shared.get(image.id) ?? 0, containers });
      summaries.push(s);
      imageItems.push({ summary: s, size: s.Size, active: containers > 0 });
      const sizes = await images.layerSizes(image);
      image.chainIds.forEach((c, i) => layers.set(c, sizes[i] ?? 0));
    }
    summaries.sort((a, b) => b.Created - a.Created);
    const containers = want('container') ? ((await providers.containers?.()) ?? []) : [];
    const volumes = want('volume') ? ((await providers.volumes?.()) ?? []) : [];
    const layersSize = [...layers.values()].reduce((a, b) => a + b, 0);
    const verbose = ctx.bool('verbose');
    const legacy = {
      LayersSize: layersSize,
      Images: summaries,
      Containers: containers.map((c) => c.summary),
      Volumes: volumes.map((v) => v.summary),
      BuildCache: [],
    };
    if (!ctx.atLeast(1, 52)) return ctx.json(200, legacy);
    const current = {
      ImageUsage: {
        ...usage(imageItems, verbose),
        TotalSize: layersSize,
        Reclaimable: reclaimable(imageItems, layersSize),
      },
      ContainerUsage: usage(containers, verbose),
      VolumeUsage: usage(volumes, verbose),
      BuildCacheUsage: {
        ActiveCount: 0,
        TotalCount: 0,
        Reclaimable: 0,
        TotalSize: 0,
        ...(verbose ? { Items: [] } : {}),
      },
    };
    ctx.json(200, ctx.atLeast(1, 53) || verbose ? current : { ...legacy, ...current });
  });
}

/** What removing the unused images frees: their sizes minus what they share with images in use. */
function reclaimable(items: UsageItem[], total: number): number {
  const active = items.filter((i) => i.active).reduce((s, i) => s + i.size, 0);
  return Math.max(0, total - active);
}
