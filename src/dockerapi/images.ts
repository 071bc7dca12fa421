// Image routes that read: GET /images/json (ImageList → ImageSummary), GET /images/{name}/json
// (ImageInspect), GET /images/{name}/history (ImageHistory). Field sets follow the request's API version as
// the swagger's CHANGELOG says: VirtualSize until 1.43, Containers counted from 1.51, container-config
// fields in Config until 1.49, unset Config fields and empty Parent/Comment/Author omitted from 1.52.
import { familiarString } from '../images/reference/index.js';
import {
  type ImageService,
  LIST_FILTERS,
  type LocalImage,
  boolFilter,
  checkFilters,
  createdMs,
  isDangling,
  matchesLabels,
  matchesReference,
  timeFilter,
} from '../images/service/index.js';
import type { ApiContext } from './context.js';
import type { Router } from './router.js';

/** GET /images/json's item (swagger ImageSummary). */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

/** The summary of one image; `shared` is the size of its layers other images have too, when counted. */
export async function imageSummary(
  images: ImageService,
  image: LocalImage,
  opts: { shared?: number; containers?: number; virtualSize?: boolean },
): Promise<ImageSummary> {
  const size = await images.size(image);
  return {
    Id: image.id,
    ParentId: '',
    RepoTags: image.tags.map((t) => familiarString(t)),
    RepoDigests: image.digests.map((d) => familiarString(d)),
    Created: Math.floor(createdMs(image) / 1000),
    Size: size,
    SharedSize: opts.shared ?? -1,
    ...(opts.virtualSize ? { VirtualSize: size } : {}),
    Labels: image.config.config?.Labels ?? {},
    Containers: opts.containers ?? -1,
  };
}

/** The sizes of layers (by chain ID) that more than one of `all` has. */
export async function sharedSizes(images: ImageService, all: LocalImage[]): Promise<Map<string, number>> {
  const users = new Map<string, number>();
  for (const image of all) for (const c of new Set(image.chainIds)) users.set(c, (users.get(c) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const image of all) {
    const sizes = await images.layerSizes(image);
    let shared = 0;
    image.chainIds.forEach((c, i) => {
      if ((users.get(c) ?? 0) > 1) shared += sizes[i] ?? 0;
    });
    out.set(image.id, shared);
  }
  return out;
}

/** The images a list request's filters let through (dockerd's image_list.go). */
export async function filterImages(
  images: ImageService,
  all: LocalImage[],
  filters: Map<string, string[]>,
): Promise<LocalImage[]> {
  checkFilters(filters, LIST_FILTERS);
  const dangling = boolFilter(filters, 'dangling');
  const before = await boundary(images, filters.get('before'));
  const since = await boundary(images, filters.get('since'));
  const until = filters.get('until')?.map((v) => timeFilter(v, 'until'));
  const refs = filters.get('reference');
  return all.filter(
    (image) =>
      (dangling === undefined || isDangling(image) === dangling) &&
      matchesLabels(image, filters) &&
      (refs === undefined || matchesReference(image, refs)) &&
      (before === undefined || createdMs(image) < before) &&
      (since === undefined || createdMs(image) > since) &&
      (until === undefined || until.every((u) => createdMs(image) < u)),
  );
}

/** The creation time of the image a before=/since= filter names (the latest, when several). */
async function boundary(images: ImageService, names: string[] | undefined): Promise<number | undefined> {
  if (names === undefined || names.length === 0) return undefined;
  let t = -Infinity;
  for (const n of names) t = Math.max(t, createdMs((await images.find(n)).image));
  return t;
}

const CONTAINER_CONFIG_DEFAULTS = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

const CONFIG_FIELDS_UNTIL_52 = [
  'User',
  'Env',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Entrypoint',
  'OnBuild',
  'Labels',
];

/** The Config of an inspect at API version `ctx`. */
function inspectConfig(ctx: ApiContext, image: LocalImage): Record<string, unknown> {
  const own = { ...(image.config.config ?? {}) } as Record<string, unknown>;
  if (!ctx.atLeast(1, 50)) return { ...CONTAINER_CONFIG_DEFAULTS, ...own };
  if (!ctx.atLeast(1, 52)) {
    const base: Record<string, unknown> = {};
    for (const k of CONFIG_FIELDS_UNTIL_52)
      base[k] = CONTAINER_CONFIG_DEFAULTS[k as keyof typeof CONTAINER_CONFIG_DEFAULTS];
    return { ...base, ...own };
  }
  for (const [k, v] of Object.entries(own)) if (v === null || v === '') delete own[k];
  return own;
}

/** GET /images/{name}/json's body (swagger ImageInspect). */
export async function imageInspect(
  ctx: ApiContext,
  images: ImageService,
  image: LocalImage,
): Promise<unknown> {
  const c = image.config;
  const size = await images.size(image);
  const omitEmpty = ctx.atLeast(1, 52);
  const optional = (key: string, value: string | undefined): Record<string, string> =>
    omitEmpty && !value ? {} : { [key]: value ?? '' };
  return {
    Id: image.id,
    RepoTags: image.tags.map((t) => familiarString(t)),
    RepoDigests: image.digests.map((d) => familiarString(d)),
    ...optional('Parent', ''),
    ...optional('Comment', c.comment),
    ...(c.created !== undefined ? { Created: c.created } : {}),
    ...optional('DockerVersion', typeof c['docker_version'] === 'string' ? c['docker_version'] : ''),
    ...optional('Author', c.author),
    Config: inspectConfig(ctx, image),
    Architecture: c.architecture ?? '',
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os ?? '',
    ...(c['os.version'] ? { OsVersion: c['os.version'] } : {}),
    Size: size,
    ...(ctx.atLeast(1, 44) ? {} : { VirtualSize: size }),
    GraphDriver: { Name: images.snapshotter === 'overlay' ? 'overlayfs' : 'native', Data: null },
    RootFS: { Type: c.rootfs?.type ?? 'layers', Layers: image.diffIds },
    Metadata: { LastTagTime: image.lastTagTime?.toISOString() ?? '0001-01-01T00:00:00Z' },
  };
}

/** Adds the read-only image routes. */
export function registerImages(router: Router, images: ImageService): void {
  router.add('GET', '/images/json', async (ctx) => {
    const all = await filterImages(images, await images.list(), ctx.filters());
    const shared = ctx.bool('shared-size') ? await sharedSizes(images, all) : undefined;
    const counted = ctx.atLeast(1, 51);
    const out: ImageSummary[] = [];
    for (const image of all)
      out.push(
        await imageSummary(images, image, {
          ...(shared ? { shared: shared.get(image.id) ?? 0 } : {}),
          ...(counted ? { containers: images.containerCount(image) } : {}),
          virtualSize: !ctx.atLeast(1, 44),
        }),
      );
    // dockerd lists newest first.
    out.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
    ctx.json(200, out);
  });
  router.add('GET', '/images/{name*}/json', async (ctx) => {
    const { image } = await images.find(ctx.params.name!);
    ctx.json(200, await imageInspect(ctx, images, image));
  });
  router.add('GET', '/images/{name*}/history', async (ctx) => {
    ctx.json(200, await images.history(ctx.params.name!));
  });
}
