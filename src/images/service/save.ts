// docker save (GET /images/{name}/get, GET /images/get): a tar archive that is both an OCI image layout
// (image-spec image-layout.md) and the docker-archive `docker load` has always read, as docker 25+ writes:
//
//   blobs/sha256/<hex>   every blob of every image: index, manifests, configs, layers (compressed, as stored)
//   index.json           OCI index, one entry per image target, annotated with
//                          io.containerd.image.name           "docker.io/library/busybox:latest"
//                          org.opencontainers.image.ref.name  "latest"
//   manifest.json        [{"Config": "blobs/sha256/<config>", "RepoTags": ["busybox:latest"],
//                          "Layers": ["blobs/sha256/<layer>", ...]}]        (docker's own loader reads this)
//   repositories         {"busybox": {"latest": "<image ID hex>"}}        (only for images saved by name)
//   oci-layout           {"imageLayoutVersion": "1.0.0"}
//
// A name without a tag saves every tag of its repository; an ID saves the image without names. An index
// of which only one platform was pulled cannot be saved whole: its platform manifest is saved instead.
import { Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import type { Image, Stores } from '../../metadata/index.js';
import { writeTar, type TarMember } from '../archive/index.js';
import {
  type Reference,
  familiarName,
  familiarString,
  formatReference,
  repositoryName,
} from '../reference/index.js';
import { OCI_INDEX, parseManifest } from '../registry/index.js';
import type { ImageCatalog } from './catalog.js';
import { parseImageQuery, referenceOfName } from './names.js';
import type { Descriptor } from './types.js';

/** One image to save: what goes into index.json and manifest.json for it. */
interface SaveItem {
  target: Descriptor;
  configDigest: string;
  layers: string[];
  /** Full references, for the annotations and repositories. */
  names: Reference[];
}

/** What save needs. */
export interface SaveContext {
  stores: Stores;
  ns: string;
  catalog: ImageCatalog;
}

/** Resolves the names to save before anything is written (a bad name is the request's error). */
export async function planSave(ctx: SaveContext, names: string[]): Promise<SaveItem[]> {
  if (names.length === 0) throw new BerthError('InvalidArgument', 'no images to save: name at least one');
  const items = new Map<string, SaveItem>();
  const add = async (record: Pick<Image, 'target' | 'labels'>, name?: Reference): Promise<void> => {
    const target = record.target;
    const resolved = await ctx.catalog.resolveRecord(record);
    if (resolved === undefined)
      throw new BerthError('NotFound', `image "${target.digest}": its content is missing from the store`);
    const whole = await isWhole(ctx, target);
    const top = whole ? target : resolved.manifestDescriptor;
    const item = items.get(top.digest) ?? {
      target: top,
      configDigest: resolved.configDescriptor.digest,
      layers: resolved.manifest.layers.map((l) => l.digest),
      names: [],
    };
    if (name !== undefined && !item.names.some((n) => formatReference(n) === formatReference(name)))
      item.names.push(name);
    items.set(top.digest, item);
  };
  for (const input of names) {
    const query = parseImageQuery(input);
    if (
      query.kind === 'reference' &&
      query.reference.tag === undefined &&
      query.reference.digest === undefined
    ) {
      // A bare repository: all its tags (docker's tarexport parseNames).
      const repo = repositoryName(query.reference);
      const tagged = ctx.catalog
        .records()
        .map((r) => ({ r, ref: referenceOfName(r.name) }))
        .filter(
          (x) => x.ref?.tag !== undefined && x.ref.digest === undefined && repositoryName(x.ref) === repo,
        );
      if (tagged.length > 0) {
        for (const { r, ref } of tagged) await add(r, ref);
        continue;
      }
    }
    const found = await ctx.catalog.find(input);
    const ref = found.record === undefined ? undefined : referenceOfName(found.record.name);
    await add(found.record ?? found.image.records[0]!, ref?.tag !== undefined ? ref : undefined);
  }
  return [...items.values()];
}

/** The archive of `items`, as a stream. */
export function saveArchive(ctx: SaveContext, items: SaveItem[]): Readable {
  return Readable.from(writeTar(members(ctx, items)));
}

async function* members(ctx: SaveContext, items: SaveItem[]): AsyncGenerator<TarMember> {
  const content = ctx.stores.content(ctx.ns);
  const written = new Set<string>();
  yield { name: 'blobs', type: 'dir' };
  yield { name: 'blobs/sha256', type: 'dir' };
  const blob = async (digest: string): Promise<TarMember | undefined> => {
    if (written.has(digest)) return undefined;
    written.add(digest);
    const info = await content.info(digest);
    return {
      name: blobName(digest),
      type: 'file',
      size: info.size,
      mode: 0o444,
      data: () => readerOf(content.reader(digest)),
    };
  };
  for (const item of items) {
    const digests = [
      item.target.digest,
      ...(await children(ctx, item.target)),
      item.configDigest,
      ...item.layers,
    ];
    for (const d of digests) {
      const m = await blob(d);
      if (m) yield m;
    }
  }
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: items.flatMap((item) =>
      (item.names.length > 0 ? item.names : [undefined]).map((name) => ({
        ...item.target,
        ...(name === undefined
          ? {}
          : {
              annotations: {
                'io.containerd.image.name': formatReference(name),
                'org.opencontainers.image.ref.name': name.tag ?? '',
              },
            }),
      })),
    ),
  };
  yield file('index.json', JSON.stringify(index));
  const manifest = items.map((item) => ({
    Config: blobName(item.configDigest),
    RepoTags: item.names.length > 0 ? item.names.map((n) => familiarString(n)) : null,
    Layers: item.layers.map(blobName),
  }));
  yield file('manifest.json', JSON.stringify(manifest));
  const repositories: Record<string, Record<string, string>> = {};
  for (const item of items)
    for (const n of item.names)
      (repositories[familiarName(n)] ??= {})[n.tag ?? 'latest'] = item.configDigest.slice(7);
  if (Object.keys(repositories).length > 0) yield file('repositories', JSON.stringify(repositories));
  yield file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

function file(name: string, text: string): TarMember {
  const data = Buffer.from(text);
  return { name, type: 'file', size: data.length, data };
}

/** "blobs/<algorithm>/<hex>". */
function blobName(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

async function* readerOf(p: Promise<AsyncIterable<Uint8Array>>): AsyncGenerator<Uint8Array> {
  for await (const chunk of await p) yield chunk;
}

/** The digests below an index target that are saved with it (its manifests and their configs and layers). */
async function children(ctx: SaveContext, target: Descriptor): Promise<string[]> {
  const content = ctx.stores.content(ctx.ns);
  const parsed = parseManifest(
    await content.readBlob(target.digest),
    target.mediaType,
    `image "${target.digest}"`,
  );
  if (parsed.kind === 'manifest') return [];
  const out: string[] = [];
  for (const m of parsed.index.manifests) {
    out.push(m.digest);
    const inner = parseManifest(await content.readBlob(m.digest), m.mediaType, `manifest "${m.digest}"`);
    if (inner.kind === 'manifest')
      out.push(inner.manifest.config.digest, ...inner.manifest.layers.map((l) => l.digest));
  }
  return out;
}

/** Whether an index has every manifest (with config and layers) here; a manifest always has. */
async function isWhole(ctx: SaveContext, target: Descriptor): Promise<boolean> {
  const content = ctx.stores.content(ctx.ns);
  const parsed = parseManifest(
    await content.readBlob(target.digest),
    target.mediaType,
    `image "${target.digest}"`,
  );
  if (parsed.kind === 'manifest') return true;
  for (const m of parsed.index.manifests) {
    const bytes = await content.readBlob(m.digest).catch(() => undefined);
    if (bytes === undefined) return false;
    const inner = parseManifest(bytes, m.mediaType, `manifest "${m.digest}"`);
    if (inner.kind !== 'manifest') return false;
    for (const d of [inner.manifest.config, ...inner.manifest.layers])
      if ((await content.info(d.digest).catch(() => undefined)) === undefined) return false;
  }
  return true;
}
