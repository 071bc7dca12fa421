// docker load (POST /images/load): reads an image archive — the docker-archive (manifest.json with
// RepoTags, the config and the layer tars it names, legacy "<id>/layer.tar" ones included, symlinked
// duplicates too) or an OCI image layout (index.json, blobs/), or both in one as save.ts writes them —
// optionally gzip-compressed as a whole. The archive is read once, in order: every member under blobs/
// goes into the content store verified against its name, other large members (layer tars) are stored under
// the digest they hash to, small metadata files are kept in memory. Then, under a lease:
//   each image's target: the OCI manifest the index names (when the archive has one for the config), or a
//   Docker schema 2 manifest made for the docker-archive entry (layers typed by their compression);
//   its layers unpacked into committed snapshots (layer-stager.ts); its RepoTags pointed at it.
// docker's messages: "Loaded image: busybox:latest", or "Loaded image ID: sha256:..." for an image
// without names, and "The image x already exists, renaming the old one with ID ... to empty string".
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError, wrap } from '../../base/errors.js';
import { writeBlob } from '../../content/index.js';
import type { Stores } from '../../metadata/index.js';
import { familiarString, parseNormalized } from '../reference/index.js';
import { DOCKER_CONFIG, DOCKER_MANIFEST, type ImageManifest, parseManifest } from '../registry/index.js';
import { ByteReader, TarReader, decompress, sniffCompression } from '../unpack/index.js';
import type { ImageCatalog } from './catalog.js';
import { LayerStager } from './layer-stager.js';
import { ContentSink } from './content-sink.js';
import { danglingName, recordName } from './names.js';
import { setReference } from './references.js';
import type { Descriptor } from './types.js';

/** The largest metadata file (manifest.json, index.json, a config) kept in memory. */
const METADATA_LIMIT = 16 << 20;

/** What load needs. */
export interface LoadContext {
  stores: Stores;
  ns: string;
  snapshotter: string;
  overlay: boolean;
  catalog: ImageCatalog;
}

interface StoredMember {
  digest: string;
  size: number;
}

/** What the archive held after reading. */
interface ArchiveContents {
  files: Map<string, Buffer>;
  stored: Map<string, StoredMember>;
  links: Map<string, string>;
}

interface DockerManifestEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

/** Loads the archive `input`; `say` receives docker's lines ("Loaded image: ..."). */
export async function loadArchive(
  ctx: LoadContext,
  input: AsyncIterable<Buffer>,
  say: (line: string) => void,
): Promise<void> {
  const leases = ctx.stores.leases(ctx.ns);
  const lease = leases.create({ ttlMs: 60 * 60 * 1000, labels: { 'berth.io/load': 'docker load' } });
  try {
    const sink = new ContentSink(ctx.stores, ctx.ns, lease.id);
    const archive = await readArchive(sink, input);
    const images = await imagesOf(sink, archive);
    if (images.length === 0)
      throw new BerthError(
        'InvalidArgument',
        'invalid archive: it holds no images (no manifest.json or index.json entries)',
      );
    for (const image of images) {
      const stager = new LayerStager({
        snapshotter: ctx.stores.snapshotter(ctx.ns, ctx.snapshotter, { lease: lease.id }),
        overlay: ctx.overlay,
        source: sink,
        hold: (chain) => leases.addResource(lease.id, { type: `snapshots/${ctx.snapshotter}`, id: chain }),
      });
      try {
        await stager.commitChain(image.layers);
      } catch (err) {
        await stager.discard();
        throw err;
      }
      ctx.catalog.invalidate();
      if (image.names.length === 0) {
        // Kept as dangling unless a name already points at it.
        if (!(await ctx.catalog.all()).some((i) => i.id === image.configDigest))
          await setReference(ctx, danglingName(image.configDigest), image.target);
        say(`Loaded image ID: ${image.configDigest}`);
      }
      for (const name of image.names) {
        const ref = parseNormalized(name);
        const { replaced } = await setReference(ctx, recordName(ref), image.target);
        if (replaced !== undefined)
          say(
            `The image ${familiarString(ref)} already exists, renaming the old one with ID ${replaced} to empty string`,
          );
        say(`Loaded image: ${familiarString(ref)}`);
      }
    }
  } catch (err) {
    throw wrap(err, 'load');
  } finally {
    leases.delete(lease.id);
  }
}

/** Reads every member of the archive (see the file comment). */
async function readArchive(sink: ContentSink, input: AsyncIterable<Buffer>): Promise<ArchiveContents> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : first.value;
  const whole = (async function* (): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
  })();
  const tar = new TarReader(
    new ByteReader(decompress(Readable.from(whole), sniffCompression(head)), () => undefined),
  );
  const contents: ArchiveContents = { files: new Map(), stored: new Map(), links: new Map() };
  const run = randomBytes(4).toString('hex');
  let n = 0;
  for (let h = await tar.next(); h !== null; h = await tar.next()) {
    const name = memberName(h.name);
    if (name === undefined) continue;
    if (h.type === 'symlink')
      contents.links.set(name, posix.normalize(posix.join(posix.dirname(name), h.linkname)));
    else if (h.type === 'hardlink') contents.links.set(name, memberName(h.linkname) ?? h.linkname);
    if (h.type !== 'file') continue;
    const blob = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
    const metadata =
      h.size <= METADATA_LIMIT && (/\.json$/.test(name) || name === 'repositories' || name === 'oci-layout');
    if (metadata && blob === null) {
      const chunks: Buffer[] = [];
      for await (const c of tar.body()) chunks.push(c);
      contents.files.set(name, Buffer.concat(chunks));
      continue;
    }
    const expected = blob === null ? undefined : `${blob[1]}:${blob[2]}`;
    const info = await writeBlob(sink.content, `load-${run}-${n++}`, tar.body(), {
      ...(expected === undefined ? {} : { digest: expected }),
      size: h.size,
    }).catch((err: unknown) => Promise.reject(wrap(err, `archive member "${name}"`)));
    contents.stored.set(name, { digest: info.digest, size: info.size });
  }
  return contents;
}

/** A member's name without "./" and trailing "/"; undefined for names that leave the archive. */
function memberName(raw: string): string | undefined {
  const name = posix.normalize(raw.replace(/^\.\//, '')).replace(/\/+$/, '');
  if (name === '.' || name === '' || name.startsWith('../') || name === '..' || name.startsWith('/'))
    return undefined;
  return name;
}

interface LoadedImage {
  target: Descriptor;
  configDigest: string;
  layers: { descriptor: Descriptor; diffId: string }[];
  names: string[];
}

/** The images the archive describes: manifest.json entries first, then index.json entries not yet seen. */
async function imagesOf(sink: ContentSink, a: ArchiveContents): Promise<LoadedImage[]> {
  const out = new Map<string, LoadedImage>();
  const ociByConfig = new Map<string, { target: Descriptor; manifest: ImageManifest; names: string[] }>();
  const index = a.files.get('index.json');
  if (index !== undefined) {
    const parsed = parseManifest(index, 'application/vnd.oci.image.index.v1+json', 'archive "index.json"');
    if (parsed.kind !== 'index')
      throw new BerthError('InvalidArgument', 'archive "index.json": not an image index');
    for (const d of parsed.index.manifests) {
      const target: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
      const manifest = await platformManifest(sink, target);
      const name =
        d.annotations?.['io.containerd.image.name'] ??
        fullRefName(d.annotations?.['org.opencontainers.image.ref.name']);
      const entry = ociByConfig.get(manifest.config.digest) ?? { target, manifest, names: [] };
      if (name !== undefined && !entry.names.includes(name)) entry.names.push(name);
      ociByConfig.set(manifest.config.digest, entry);
    }
  }
  const manifestJson = a.files.get('manifest.json');
  if (manifestJson !== undefined) {
    let entries: DockerManifestEntry[];
    try {
      entries = JSON.parse(manifestJson.toString('utf8')) as DockerManifestEntry[];
    } catch (err) {
      throw new BerthError(
        'InvalidArgument',
        `archive "manifest.json": invalid JSON: ${(err as Error).message}`,
      );
    }
    if (!Array.isArray(entries))
      throw new BerthError('InvalidArgument', 'archive "manifest.json": not a list');
    for (const [i, e] of entries.entries()) {
      const image = await dockerEntry(sink, a, e, i, ociByConfig);
      const seen = out.get(image.configDigest);
      if (seen === undefined) out.set(image.configDigest, image);
      else for (const n of image.names) if (!seen.names.includes(n)) seen.names.push(n);
    }
  }
  for (const [configDigest, oci] of ociByConfig) {
    if (out.has(configDigest)) continue;
    out.set(configDigest, {
      target: oci.target,
      configDigest,
      layers: await layersWithDiffIds(sink, oci.manifest),
      names: oci.names,
    });
  }
  return [...out.values()];
}

/** An OCI target's manifest: the manifest itself, or an index's first manifest held in the archive. */
async function platformManifest(sink: ContentSink, target: Descriptor): Promise<ImageManifest> {
  const parsed = parseManifest(
    await sink.readBlob(target.digest),
    target.mediaType,
    `archive blob "${target.digest}"`,
  );
  if (parsed.kind === 'manifest') return parsed.manifest;
  for (const m of parsed.index.manifests) {
    if (m.platform?.os === 'unknown') continue; // attestations
    const bytes = await sink.readBlob(m.digest).catch(() => undefined);
    if (bytes === undefined) continue;
    const inner = parseManifest(bytes, m.mediaType, `archive blob "${m.digest}"`);
    if (inner.kind === 'manifest') return inner.manifest;
  }
  throw new BerthError(
    'InvalidArgument',
    `archive index "${target.digest}": none of its manifests is in the archive`,
  );
}

/** One manifest.json entry as an image (its OCI target when the index has one for the same config). */
async function dockerEntry(
  sink: ContentSink,
  a: ArchiveContents,
  e: DockerManifestEntry,
  i: number,
  oci: Map<string, { target: Descriptor; manifest: ImageManifest; names: string[] }>,
): Promise<LoadedImage> {
  const what = `archive "manifest.json" entry ${i}`;
  if (typeof e.Config !== 'string' || !Array.isArray(e.Layers))
    throw new BerthError('InvalidArgument', `${what}: needs "Config" and "Layers"`);
  const configBytes = await member(sink, a, e.Config, what);
  const config = await writeBlob(sink.content, `load-config-${randomBytes(4).toString('hex')}`, configBytes);
  // Full names (a bad one fails the load before anything is named), so that both lists merge.
  const names = (e.RepoTags ?? []).filter((t): t is string => typeof t === 'string').map(fullName);
  const fromIndex = oci.get(config.digest);
  if (fromIndex !== undefined)
    return {
      target: fromIndex.target,
      configDigest: config.digest,
      layers: await layersWithDiffIds(sink, fromIndex.manifest),
      names: [...new Set([...names, ...fromIndex.names])],
    };
  const layers: Descriptor[] = [];
  for (const path of e.Layers) {
    const stored = a.stored.get(resolveLink(a, path));
    if (stored === undefined)
      throw new BerthError('InvalidArgument', `${what}: layer "${path}" is not in the archive`);
    layers.push({
      mediaType: await layerMediaType(sink, stored.digest),
      digest: stored.digest,
      size: stored.size,
    });
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: DOCKER_CONFIG, digest: config.digest, size: config.size },
    layers,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const info = await writeBlob(sink.content, `load-manifest-${randomBytes(4).toString('hex')}`, bytes);
  const parsed = parseManifest(bytes, DOCKER_MANIFEST, what);
  if (parsed.kind !== 'manifest') throw new BerthError('Internal', `${what}: made an index`);
  return {
    target: { mediaType: DOCKER_MANIFEST, digest: info.digest, size: info.size },
    configDigest: config.digest,
    layers: await layersWithDiffIds(sink, parsed.manifest),
    names,
  };
}

/** A member's bytes: a metadata file, or a stored blob (read back). */
async function member(sink: ContentSink, a: ArchiveContents, path: string, what: string): Promise<Buffer> {
  const name = resolveLink(a, path);
  const file = a.files.get(name);
  if (file !== undefined) return file;
  const stored = a.stored.get(name);
  if (stored !== undefined && stored.size <= METADATA_LIMIT) return sink.readBlob(stored.digest);
  throw new BerthError('InvalidArgument', `${what}: "${path}" is not in the archive`);
}

function resolveLink(a: ArchiveContents, path: string): string {
  let name = memberName(path) ?? path;
  for (let i = 0; i < 16 && a.links.has(name); i++) name = a.links.get(name)!;
  return name;
}

/** The media type of a docker-archive layer, from its first bytes (docker loads tar, gzip and zstd). */
async function layerMediaType(sink: ContentSink, digest: string): Promise<string> {
  const stream = await sink.open({ mediaType: '', digest, size: 0 });
  let head = Buffer.alloc(0);
  for await (const c of stream) {
    head = Buffer.concat([head, c as Buffer]);
    if (head.length >= 4) break;
  }
  stream.destroy();
  const c = sniffCompression(head);
  return c === 'gzip'
    ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
    : c === 'zstd'
      ? 'application/vnd.docker.image.rootfs.diff.tar.zstd'
      : 'application/vnd.docker.image.rootfs.diff.tar';
}

async function layersWithDiffIds(
  sink: ContentSink,
  manifest: ImageManifest,
): Promise<{ descriptor: Descriptor; diffId: string }[]> {
  let config: { rootfs?: { diff_ids?: unknown } };
  try {
    config = JSON.parse((await sink.readBlob(manifest.config.digest)).toString('utf8')) as typeof config;
  } catch (err) {
    throw wrap(err, `config "${manifest.config.digest}"`);
  }
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length)
    throw new BerthError(
      'InvalidArgument',
      `config "${manifest.config.digest}": ${Array.isArray(diffIds) ? diffIds.length : 0} diff IDs for ${manifest.layers.length} layers`,
    );
  return manifest.layers.map((descriptor, i) => ({ descriptor, diffId: String(diffIds[i]) }));
}

/** A name as its record is named ("busybox:latest" → "docker.io/library/busybox:latest"). */
function fullName(name: string): string {
  return recordName(parseNormalized(name));
}

/** An OCI ref.name annotation that is a whole reference (a bare tag names nothing by itself). */
function fullRefName(value: string | undefined): string | undefined {
  if (value === undefined || !/[/:]/.test(value) || /^[\w][\w.-]*$/.test(value)) return undefined;
  try {
    parseNormalized(value);
    return value;
  } catch {
    return undefined;
  }
}
