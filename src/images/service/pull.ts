// Pull into the daemon's stores (issue 5): resolve the reference at the registry, and when the image is
// not already complete here, fetch it under a lease with the registry client, unpacking layers while they
// download (layer-stager.ts), then name it:
//
//   1. GET the top manifest (and the platform's manifest of an index) — errors here are the request's own
//   2. up to date: the name already points at that digest and every layer is unpacked → done
//   3. lease (24 h) ← blobs, ingests and snapshots of this pull; the registry client pulls by digest into
//      ContentSink, the config read back tells which layers are unpacked already
//   4. layers committed bottom up under their chain IDs; the name (and "repo@digest") set; lease deleted
//
// A failed pull removes its staging snapshots and keeps its lease, so that the layers it stored are not
// collected before a retry can reuse them; a crashed one leaves the same, and the service removes the
// staging snapshots when it starts again. The next pull of the name that succeeds deletes such leases
// (otherwise they expire after a day).
import { BerthError, wrap } from '../../base/errors.js';
import type { Stores } from '../../metadata/index.js';
import {
  type Reference,
  familiarName,
  familiarString,
  formatReference,
  parseDockerRef,
  repositoryName,
} from '../reference/index.js';
import {
  type ImageManifest,
  type Platform,
  type ProgressEvent,
  type PullResult,
  type RegistryClient,
  formatPlatform,
  getManifest,
  hostPlatform,
  parseManifest,
  pull,
  selectPlatform,
} from '../registry/index.js';
import { type ImageCatalog, PLATFORM_LABEL } from './catalog.js';
import { ContentSink } from './content-sink.js';
import { type LayerEvent, LayerStager } from './layer-stager.js';
import { recordName } from './names.js';
import { setReference } from './references.js';
import type { Descriptor } from './types.js';

/** How long a pull's lease protects what it fetched (it is deleted when the pull ends well). */
export const PULL_LEASE_TTL_MS = 24 * 60 * 60 * 1000;
/** The label naming the reference a lease pulls. */
export const PULL_LABEL = 'berth.io/pull';

/** The leases of pulls running in this process (the others are left by pulls that failed or crashed). */
const running = new Set<string>();

/** What a pull reports as it goes, per layer by blob digest (docker's progress lines are made from it). */
export type PullEvent =
  | { kind: 'start'; reference: Reference }
  | {
      kind: 'layer';
      digest: string;
      state:
        | 'pulling'
        | 'exists'
        | 'waiting'
        | 'downloading'
        | 'retrying'
        | 'verifying'
        | 'downloaded'
        | 'extracting'
        | 'complete';
      current?: number;
      total?: number;
      message?: string;
    };

/** How to pull. */
export interface PullOptions {
  platform?: Platform;
  onEvent?: (event: PullEvent) => void;
}

/** What a pull did. */
export interface PullOutcome {
  /** The reference pulled, with the default tag when it had neither tag nor digest. */
  reference: Reference;
  /** The digest of the top manifest or index (docker's "Digest:" line). */
  digest: string;
  /** The image ID (config digest). */
  id: string;
  /** Nothing was fetched: the name already pointed at this digest and the image was complete. */
  upToDate: boolean;
}

/** What a pull needs from the service. */
export interface PullContext {
  stores: Stores;
  ns: string;
  snapshotter: string;
  overlay: boolean;
  catalog: ImageCatalog;
  client: RegistryClient;
}

interface Remote {
  top: Descriptor;
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
}

/** Pulls `input` (any reference docker accepts); see the file comment. */
export async function pullImage(
  ctx: PullContext,
  input: string,
  opts: PullOptions = {},
): Promise<PullOutcome> {
  const reference = parseDockerRef(input);
  const remote = await resolveRemote(ctx.client, reference, opts.platform);
  const name = recordName(reference);
  const emit = opts.onEvent ?? (() => undefined);
  const existing = ctx.stores.images(ctx.ns).list({ name })[0];
  const platformLabel = {
    [PLATFORM_LABEL]: opts.platform === undefined ? undefined : formatPlatform(opts.platform),
  };
  if (
    existing?.target.digest === remote.top.digest &&
    existing.labels[PLATFORM_LABEL] === platformLabel[PLATFORM_LABEL]
  ) {
    const id = await completeImageId(ctx, existing.target, opts.platform);
    if (id !== undefined) {
      emit({ kind: 'start', reference });
      return { reference, digest: remote.top.digest, id, upToDate: true };
    }
  }
  emit({ kind: 'start', reference });
  const leases = ctx.stores.leases(ctx.ns);
  const lease = leases.create({
    ttlMs: PULL_LEASE_TTL_MS,
    labels: { [PULL_LABEL]: formatReference(reference) },
  });
  const sink = new ContentSink(ctx.stores, ctx.ns, lease.id);
  const layerEvents = new LayerEvents(emit);
  const stager = new LayerStager({
    snapshotter: ctx.stores.snapshotter(ctx.ns, ctx.snapshotter, { lease: lease.id }),
    overlay: ctx.overlay,
    source: sink,
    hold: (chain) => leases.addResource(lease.id, { type: `snapshots/${ctx.snapshotter}`, id: chain }),
    onEvent: (e) => layerEvents.fromStager(e),
  });
  const configDigest = remote.manifest.config.digest;
  let learned = false;
  try {
    const result: PullResult = await pull(
      ctx.client,
      { domain: reference.domain, path: reference.path, digest: remote.top.digest },
      {
        // The config is read back before any layer is fetched: learn from it which layers exist here.
        sink: {
          has: (d) => sink.has(d),
          writer: (ref, d) => sink.writer(ref, d),
          readBlob: async (d) => {
            const bytes = await sink.readBlob(d);
            if (d === configDigest && !learned) {
              learned = true;
              await stager.learn(layersOf(remote.manifest, bytes));
            }
            return bytes;
          },
        },
        ...(opts.platform === undefined ? {} : { platform: opts.platform }),
        ...(ctx.overlay ? { unpacker: stager } : {}),
        onProgress: (e) => layerEvents.fromRegistry(e, stager),
      },
    );
    await stager.commitChain(result.layers);
    ctx.catalog.invalidate();
    await setReference(ctx, name, remote.top, platformLabel);
    if (reference.digest === undefined)
      await setReference(ctx, `${repositoryName(reference)}@${remote.top.digest}`, remote.top, platformLabel);
    // The image holds what this pull (and earlier failed or crashed pulls of the name) fetched now.
    for (const l of leases.list())
      if (l.id === lease.id || (l.labels[PULL_LABEL] === formatReference(reference) && !running.has(l.id)))
        leases.delete(l.id);
    return { reference, digest: remote.top.digest, id: configDigest, upToDate: false };
  } catch (err) {
    await stager.discard().catch(() => undefined);
    throw pullError(err, reference);
  } finally {
    running.delete(lease.id);
  }
}

/** The top manifest (or index) and the platform's manifest, from the registry. */
async function resolveRemote(client: RegistryClient, ref: Reference, platform?: Platform): Promise<Remote> {
  const tagOrDigest = ref.digest ?? ref.tag ?? 'latest';
  const eps = client.endpoints(ref.domain, 'pull');
  try {
    const fetched = await client.onEndpoints(eps, (ep) =>
      getManifest(client, ep, ref.path, tagOrDigest, `manifest "${tagOrDigest}"`),
    );
    const parsed = parseManifest(fetched.bytes, fetched.contentType, `manifest "${tagOrDigest}"`);
    const top: Descriptor = {
      mediaType: parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType,
      digest: fetched.digest,
      size: fetched.bytes.length,
    };
    if (parsed.kind === 'manifest') return { top, manifestDescriptor: top, manifest: parsed.manifest };
    const chosen = selectPlatform(
      parsed.index.manifests,
      platform ?? hostPlatform(),
      `index "${top.digest}"`,
    );
    const child = await client.onEndpoints(eps, (ep) =>
      getManifest(client, ep, ref.path, chosen.digest, `manifest "${chosen.digest}"`),
    );
    const inner = parseManifest(
      child.bytes,
      child.contentType || chosen.mediaType,
      `manifest "${chosen.digest}"`,
    );
    if (inner.kind !== 'manifest')
      throw new BerthError(
        'InvalidArgument',
        `manifest "${chosen.digest}": nested indexes are not supported`,
      );
    return {
      top,
      manifestDescriptor: { mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.size },
      manifest: inner.manifest,
    };
  } catch (err) {
    throw pullError(err, ref);
  }
}

/** The image ID when `target` is here with all its layers unpacked, else undefined. */
async function completeImageId(
  ctx: PullContext,
  target: Descriptor,
  platform: Platform | undefined,
): Promise<string | undefined> {
  const resolved = await ctx.catalog.resolve(target, platform).catch(() => undefined);
  if (resolved === undefined) return undefined;
  const sn = ctx.stores.snapshotter(ctx.ns, ctx.snapshotter);
  const content = ctx.stores.content(ctx.ns);
  for (const chain of resolved.chainIds) {
    const info = await sn.stat(chain).catch(() => undefined);
    if (info?.kind !== 'committed') return undefined;
  }
  for (const layer of resolved.manifest.layers)
    if ((await content.info(layer.digest).catch(() => undefined)) === undefined) return undefined;
  return resolved.configDescriptor.digest;
}

/** The manifest's layers paired with the config's diff IDs. */
function layersOf(
  manifest: ImageManifest,
  configBytes: Buffer,
): { descriptor: Descriptor; diffId: string }[] {
  let diffIds: unknown;
  try {
    diffIds = (JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs
      ?.diff_ids;
  } catch {
    return [];
  }
  if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length) return [];
  return manifest.layers.map((descriptor, i) => ({ descriptor, diffId: String(diffIds[i]) }));
}

/** A pull failure in dockerd's words where the cause is well known, the client's otherwise. */
function pullError(err: unknown, ref: Reference): BerthError {
  if (err instanceof BerthError && err.code === 'NotFound' && /manifest/.test(err.message)) {
    const why = err.message.replace(/^(pull "[^"]*": )?manifest "[^"]*": /, '');
    return new BerthError('NotFound', `manifest for ${familiarString(ref)} not found: ${why}`, {
      cause: err,
    });
  }
  if (err instanceof BerthError && err.code === 'PermissionDenied')
    return new BerthError(
      'PermissionDenied',
      `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${err.message}`,
      { cause: err },
    );
  if (err instanceof BerthError && err.message.startsWith('pull "')) return err;
  return wrap(err, `pull "${familiarString(ref)}"`);
}

/** Turns registry and stager events into one PullEvent stream, without repeats and at most every 100 ms. */
class LayerEvents {
  private readonly last = new Map<string, { state: string; at: number }>();

  constructor(private readonly emit: (e: PullEvent) => void) {}

  fromRegistry(e: ProgressEvent, stager: LayerStager): void {
    if (e.kind !== 'layer') return;
    switch (e.state) {
      case 'waiting':
        return this.send(e.digest, e.message === undefined ? 'pulling' : 'waiting');
      case 'exists':
        return this.send(e.digest, stager.isPresent(e.digest) ? 'exists' : 'downloaded');
      case 'downloading':
        // dockerd's first "Downloading" already has bytes to show.
        return e.done > 0 ? this.send(e.digest, 'downloading', e.done, e.total) : undefined;
      case 'retrying':
        return this.send(e.digest, 'retrying', e.done, e.total, e.message);
      case 'verifying':
        return this.send(e.digest, 'verifying');
      case 'done':
        return this.send(e.digest, 'downloaded');
      default:
        return;
    }
  }

  fromStager(e: LayerEvent): void {
    if (e.state === 'extracting') this.send(e.digest, 'extracting', e.current, e.total);
    else this.send(e.digest, e.state);
  }

  private send(
    digest: string,
    state: Extract<PullEvent, { kind: 'layer' }>['state'],
    current?: number,
    total?: number,
    message?: string,
  ): void {
    const prev = this.last.get(digest);
    const now = Date.now();
    const progress = state === 'downloading' || state === 'extracting';
    if (prev?.state === state && (!progress || (now - prev.at < 100 && current !== total))) return;
    // Once a layer is complete (or was there), late download reports of another position change nothing.
    if (prev !== undefined && (prev.state === 'complete' || prev.state === 'exists')) return;
    this.last.set(digest, { state, at: now });
    this.emit({
      kind: 'layer',
      digest,
      state,
      ...(current === undefined ? {} : { current }),
      ...(total === undefined ? {} : { total }),
      ...(message === undefined ? {} : { message }),
    });
  }
}
