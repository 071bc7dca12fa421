// Pull: reference → top-level manifest (an index is narrowed to one platform) → config and layers, every
// blob into the sink, layers several at once (docker's max-concurrent-downloads, default 3). Each request
// walks the endpoints (mirrors, then the registry). What is already in the sink is not fetched again.
//
//   resolve  GET manifests/<tag|digest>         → index?  select platform → GET manifests/<digest>
//   config   GET blobs/<config digest>          (verified; diff_ids must pair with the layers)
//   layers   GET blobs/<layer digest> × N       (bounded parallel, resumable, verified)
import { BerthError, wrap } from '../../base/errors.js';
import { type Reference, formatReference, parseDockerRef } from '../reference/index.js';
import { fetchBlob, sharedIngest } from './blob-fetch.js';
import type { RegistryClient } from './client.js';
import type { Endpoint } from './hosts.js';
import { type ImageIndex, type ImageManifest, parseManifest } from './manifest.js';
import { type LayerUnpacker, fetchAndUnpack } from './layer-tee.js';
import { getManifest } from './manifest-fetch.js';
import { hostPlatform, selectPlatform } from './platform.js';
import type { BlobSink, Descriptor, Platform, ProgressListener } from './types.js';

/** Largest image config accepted (real ones are kilobytes; history-heavy ones a few hundred). */
export const CONFIG_LIMIT = 16 << 20;

/** How to pull. */
export interface PullOptions {
  /** Where blobs go. */
  sink: BlobSink;
  /** Platform to select from an index (default: this host's). */
  platform?: Platform;
  /** Layers fetched at once (default 3, as docker). */
  layerConcurrency?: number;
  onProgress?: ProgressListener;
  /** Unpacks each layer while it downloads (see layer-tee.ts); without it, layers are only stored. */
  unpacker?: LayerUnpacker;
}

/** The image config fields the client checks (image-spec config.md). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  rootfs?: { type?: string; diff_ids?: string[] };
  [key: string]: unknown;
}

/** What a pull fetched. */
export interface PullResult {
  /** The normalised reference pulled (docker.io/library/busybox:latest). */
  reference: Reference;
  /** The top-level descriptor the reference points at (an index or a manifest). */
  target: Descriptor;
  /** The index, when the reference named one. */
  index?: ImageIndex;
  /** The platform's manifest descriptor and content. */
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  /** Layer descriptors with their diff IDs, bottom first. */
  layers: { descriptor: Descriptor; diffId: string }[];
}

/** Runs up to `limit` tasks at a time; rejects with the first failure after the running ones settle. */
export async function boundedAll<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

/** Stores a small blob we already hold in memory (manifests, configs) unless the sink has it. */
async function storeBytes(sink: BlobSink, desc: Descriptor, bytes: Buffer): Promise<void> {
  if (await sink.has(desc.digest)) return;
  await sharedIngest(sink, desc.digest, sink, async () => {
    const w = await sink.writer(`manifest-${desc.digest}`, desc);
    try {
      if (w.offset !== 0) await w.truncate();
      await w.write(bytes);
      await w.commit(desc.digest, bytes.length);
    } finally {
      await w.close();
    }
    return 'done';
  });
}

/** Pulls `ref` (any form docker accepts: "busybox", "reg:5000/a/b:t", "x@sha256:...") into `opts.sink`. */
export async function pull(
  client: RegistryClient,
  ref: string | Reference,
  opts: PullOptions,
): Promise<PullResult> {
  const reference = typeof ref === 'string' ? parseDockerRef(ref) : ref;
  const name = formatReference(reference);
  try {
    return await pullResolved(client, reference, opts);
  } catch (err) {
    throw wrap(err, `pull "${name}"`);
  }
}

async function pullResolved(
  client: RegistryClient,
  reference: Reference,
  opts: PullOptions,
): Promise<PullResult> {
  const repo = reference.path;
  const eps: Endpoint[] = client.endpoints(reference.domain, 'pull');
  const tagOrDigest = reference.digest ?? reference.tag ?? 'latest';
  const progress = opts.onProgress;

  const top = await client.onEndpoints(eps, (ep) =>
    getManifest(client, ep, repo, tagOrDigest, `manifest "${tagOrDigest}"`),
  );
  let parsed = parseManifest(top.bytes, top.contentType, `manifest "${tagOrDigest}"`);
  const target: Descriptor = {
    mediaType: parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType,
    digest: top.digest,
    size: top.bytes.length,
  };
  progress?.({
    digest: top.digest,
    kind: parsed.kind,
    state: 'done',
    done: top.bytes.length,
    total: top.bytes.length,
  });
  await storeBytes(opts.sink, target, top.bytes);

  let index: ImageIndex | undefined;
  let manifestDescriptor = target;
  if (parsed.kind === 'index') {
    index = parsed.index;
    const chosen = selectPlatform(index.manifests, opts.platform ?? hostPlatform(), `index "${top.digest}"`);
    const m = await client.onEndpoints(eps, (ep) =>
      getManifest(client, ep, repo, chosen.digest, `manifest "${chosen.digest}"`),
    );
    if (m.bytes.length !== chosen.size)
      throw new BerthError(
        'InvalidArgument',
        `manifest "${chosen.digest}": size ${m.bytes.length} differs from the index's ${chosen.size}`,
      );
    parsed = parseManifest(m.bytes, m.contentType || chosen.mediaType, `manifest "${chosen.digest}"`);
    if (parsed.kind !== 'manifest')
      throw new BerthError(
        'InvalidArgument',
        `manifest "${chosen.digest}": nested indexes are not supported`,
      );
    manifestDescriptor = chosen;
    progress?.({
      digest: chosen.digest,
      kind: 'manifest',
      state: 'done',
      done: m.bytes.length,
      total: m.bytes.length,
    });
    await storeBytes(opts.sink, chosen, m.bytes);
  }
  if (parsed.kind !== 'manifest') throw new BerthError('Internal', 'unreachable: index after selection');
  const manifest = parsed.manifest;

  // The config is read into memory: refuse absurd sizes before fetching (a hostile manifest's DoS).
  if (manifest.config.size > CONFIG_LIMIT)
    throw new BerthError(
      'InvalidArgument',
      `config "${manifest.config.digest}": ${manifest.config.size} bytes is more than the ${CONFIG_LIMIT} allowed`,
    );
  await fetchBlob(client, eps, repo, manifest.config, opts.sink, 'config', progress);
  const config = await readConfig(opts.sink, manifest.config);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length)
    throw new BerthError(
      'InvalidArgument',
      `config "${manifest.config.digest}": ${diffIds.length} diff IDs for ${manifest.layers.length} layers`,
    );

  for (const l of manifest.layers)
    progress?.({ digest: l.digest, kind: 'layer', state: 'waiting', done: 0, total: l.size });
  const layers = manifest.layers.map((descriptor, i) => ({ descriptor, diffId: diffIds[i] as string }));
  // A digest can occur more than once (docker's empty layer, sha256:a3ed95ca...): it is fetched once, and
  // the later occurrences wait for that fetch (an earlier item, so already running) and unpack from the store.
  const fetching = new Map<string, Promise<void>>();
  await boundedAll(layers, opts.layerConcurrency ?? 3, async (l) => {
    const first = fetching.get(l.descriptor.digest);
    if (first !== undefined) {
      await first;
      if (opts.unpacker !== undefined)
        await opts.unpacker.apply(l, await opts.unpacker.source.open(l.descriptor));
      return;
    }
    const fetched =
      opts.unpacker === undefined
        ? fetchBlob(client, eps, repo, l.descriptor, opts.sink, 'layer', progress).then(() => undefined)
        : fetchAndUnpack(client, eps, repo, l, opts.sink, opts.unpacker, progress);
    fetching.set(l.descriptor.digest, fetched);
    await fetched;
  });
  return {
    reference,
    target,
    ...(index === undefined ? {} : { index }),
    manifestDescriptor,
    manifest,
    config,
    layers,
  };
}

/** Reads the image config back from the sink. */
async function readConfig(sink: BlobSink, desc: Descriptor): Promise<ImageConfig> {
  const bytes = await sink.readBlob(desc.digest);
  try {
    return JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (err) {
    throw new BerthError(
      'InvalidArgument',
      `config "${desc.digest}": invalid JSON: ${(err as Error).message}`,
    );
  }
}
