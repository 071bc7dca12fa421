// Mark-and-sweep garbage collection over content and snapshots (containerd's gc/ and metadata/gc.go),
// run under the exclusive GC lock (gc-lock.ts) by Stores.collectGarbage.
//
// Roots, per namespace:
//   images      the target descriptor, walked: index/manifest list → manifests → config + layers; the
//               config's rootfs.diff_ids give the chain IDs of the image's committed snapshots
//               (OCI image-spec config.md "Layer ChainID"), which are marked in every snapshotter
//   containers  their snapshot (snapshotter + key) and their image digest (walked as above)
//   leases      that have not expired: their content, ingests and snapshots
//   labels      content or snapshots labelled "containerd.io/gc.root"
// Edges: a snapshot's parent; labels "containerd.io/gc.ref.content[.<any>]" = digest and
// "containerd.io/gc.ref.snapshot.<snapshotter>[/<any>]" = key on content and snapshots (as containerd's
// unpacker and CRI set them).
//
// Sweep, in an order that leaves nothing half-deleted on a crash:
//   1. one transaction deletes expired leases, unmarked content and snapshot records, and records whose
//      blob or backend snapshot is gone (a crash between two steps of a commit or prepare);
//   2. then, outside it, blobs that no namespace records, backend snapshots that no record references
//      (children before parents), stale unleased ingests and crash leftovers are removed. Each removal is
//      atomic on its own and found again by the next collection if this one is interrupted.
import { BerthError } from '../base/errors.js';
import { digestOf, type LocalContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';

/** What the collector works on (Stores provides it). */
export interface Collectable {
  /** The metadata database. */
  readonly db: SqliteDatabase;
  /** The plain content store. */
  readonly blobs: LocalContentStore;
  /** The configured snapshotters' names. */
  snapshotterNames(): string[];
  /** A configured backend snapshotter. */
  backendSnapshotter(name: string): Snapshotter;
}

/** Options of a collection. */
export interface GcOptions {
  /** The time leases are judged against; default now. */
  now?: Date;
  /** Ingests not in a lease and idle longer than this are aborted; default 24 hours. */
  ingestMaxAgeMs?: number;
}

/** What a collection removed (and what it could not). */
export interface GcReport {
  /** Expired leases, "<namespace>/<id>". */
  leases: string[];
  /** Content records, "<namespace>/<digest>". */
  content: string[];
  /** Snapshot records, "<namespace>/<snapshotter>/<key>". */
  snapshots: string[];
  /** Blob files, by digest. */
  blobs: string[];
  /** Backend snapshots, "<snapshotter>/<backend key>". */
  backendSnapshots: string[];
  /** Ingests, by plain-store ref ("<namespace>/<ref>"). */
  ingests: string[];
  /** Directories left by crashes (half-made ingests and snapshots). */
  leftovers: number;
  /** What could not be removed now (mounted, still a parent), with the reason. */
  skipped: string[];
}

const GC_ROOT = 'containerd.io/gc.root';
const REF_CONTENT = 'containerd.io/gc.ref.content';
const REF_SNAPSHOT = 'containerd.io/gc.ref.snapshot.';
/** The largest manifest or config the collector reads (the distribution spec's manifest limit). */
const MAX_WALKED_BLOB = 4 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const CONFIG_TYPES = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

interface ContentRow {
  namespace: string;
  digest: string;
  labels: string;
}
interface SnapshotRow {
  namespace: string;
  snapshotter: string;
  key: string;
  backend_key: string;
  parent: string | null;
  labels: string;
}
interface JsonDescriptor {
  mediaType?: string;
  digest?: string;
}

/** Runs one collection; the caller holds the exclusive GC lock. */
export async function collectGarbage(stores: Collectable, opts: GcOptions = {}): Promise<GcReport> {
  const now = opts.now ?? new Date();
  const report: GcReport = {
    leases: [],
    content: [],
    snapshots: [],
    blobs: [],
    backendSnapshots: [],
    ingests: [],
    leftovers: 0,
    skipped: [],
  };
  const db = stores.db;

  // What exists on disk, to drop records a crash left without their blob or snapshot.
  const blobs = new Set((await stores.blobs.list()).map((i) => i.digest));
  const backendKeys = new Map<string, Set<string>>();
  for (const name of stores.snapshotterNames()) {
    const keys = new Set<string>();
    await stores.backendSnapshotter(name).walk((info) => void keys.add(info.name));
    backendKeys.set(name, keys);
  }

  const contentRows = db.prepare('SELECT namespace, digest, labels FROM content').all() as ContentRow[];
  const snapshotRows = db
    .prepare('SELECT namespace, snapshotter, key, backend_key, parent, labels FROM snapshots')
    .all() as SnapshotRow[];
  const contentByKey = new Map(
    contentRows.filter((r) => blobs.has(r.digest)).map((r) => [`${r.namespace}\n${r.digest}`, r]),
  );
  const snapshotByKey = new Map(
    snapshotRows
      .filter((r) => backendKeys.get(r.snapshotter)?.has(r.backend_key) ?? false)
      .map((r) => [`${r.namespace}\n${r.snapshotter}\n${r.key}`, r]),
  );

  // Mark.
  const markedContent = new Set<string>();
  const markedSnapshots = new Set<string>();
  const leasedIngests = new Set<string>();

  const markLabels = async (ns: string, labelsText: string): Promise<void> => {
    const labels = JSON.parse(labelsText) as Record<string, string>;
    for (const [k, v] of Object.entries(labels)) {
      if (k === REF_CONTENT || k.startsWith(`${REF_CONTENT}.`)) await markContent(ns, v, undefined, false);
      else if (k.startsWith(REF_SNAPSHOT))
        markSnapshotSync(ns, k.slice(REF_SNAPSHOT.length).split('/')[0]!, v);
    }
  };
  const pendingSnapshotLabels: [string, string][] = [];
  const markSnapshotSync = (ns: string, sn: string, key: string): void => {
    for (let k: string | null = key; k !== null;) {
      const id = `${ns}\n${sn}\n${k}`;
      const row = snapshotByKey.get(id);
      if (!row || markedSnapshots.has(id)) return;
      markedSnapshots.add(id);
      pendingSnapshotLabels.push([ns, row.labels]);
      k = row.parent;
    }
  };
  const markContent = async (
    ns: string,
    digest: string,
    mediaType: string | undefined,
    sniff: boolean,
  ): Promise<void> => {
    const id = `${ns}\n${digest}`;
    const row = contentByKey.get(id);
    if (!row || markedContent.has(id)) return;
    markedContent.add(id);
    await markLabels(ns, row.labels);
    const walk =
      mediaType !== undefined
        ? INDEX_TYPES.has(mediaType) || MANIFEST_TYPES.has(mediaType) || CONFIG_TYPES.has(mediaType)
        : sniff;
    if (!walk) return;
    const doc = await readJson(stores, digest);
    if (doc === undefined) return;
    const type = mediaType ?? (typeof doc['mediaType'] === 'string' ? doc['mediaType'] : undefined);
    for (const child of childrenOf(doc, type))
      if (child.digest) await markContent(ns, child.digest, child.mediaType, false);
    const isConfig = type !== undefined ? CONFIG_TYPES.has(type) : typeof doc['rootfs'] === 'object';
    if (isConfig)
      for (const chainId of chainIds(doc))
        for (const sn of stores.snapshotterNames()) markSnapshotSync(ns, sn, chainId);
  };
  const drainSnapshotLabels = async (): Promise<void> => {
    while (pendingSnapshotLabels.length > 0) {
      const [ns, labels] = pendingSnapshotLabels.shift()!;
      await markLabels(ns, labels);
    }
  };

  const nowText = now.toISOString();
  const liveLease =
    'SELECT 1 FROM leases l WHERE l.namespace = r.namespace AND l.id = r.lease_id AND (l.expires_at IS NULL OR l.expires_at > ?)';
  const leased = db
    .prepare(`SELECT namespace, type, id FROM lease_resources r WHERE EXISTS (${liveLease})`)
    .all(nowText) as {
    namespace: string;
    type: string;
    id: string;
  }[];
  for (const r of leased) {
    if (r.type === 'content') await markContent(r.namespace, r.id, undefined, false);
    else if (r.type === 'ingests') leasedIngests.add(`${r.namespace}/${r.id}`);
    else if (r.type.startsWith('snapshots/'))
      markSnapshotSync(r.namespace, r.type.slice('snapshots/'.length), r.id);
  }
  for (const img of db.prepare('SELECT namespace, target_digest, target_media_type FROM images').all() as {
    namespace: string;
    target_digest: string;
    target_media_type: string;
  }[])
    await markContent(img.namespace, img.target_digest, img.target_media_type, true);
  for (const c of db
    .prepare('SELECT namespace, image_digest, snapshotter, snapshot_key FROM containers')
    .all() as {
    namespace: string;
    image_digest: string | null;
    snapshotter: string | null;
    snapshot_key: string | null;
  }[]) {
    if (c.snapshotter && c.snapshot_key) markSnapshotSync(c.namespace, c.snapshotter, c.snapshot_key);
    if (c.image_digest) await markContent(c.namespace, c.image_digest, undefined, true);
  }
  for (const r of contentByKey.values())
    if (GC_ROOT in (JSON.parse(r.labels) as object))
      await markContent(r.namespace, r.digest, undefined, false);
  for (const r of snapshotByKey.values())
    if (GC_ROOT in (JSON.parse(r.labels) as object)) markSnapshotSync(r.namespace, r.snapshotter, r.key);
  await drainSnapshotLabels();

  // Sweep the records, in one transaction.
  db.transaction(() => {
    for (const l of db
      .prepare('SELECT namespace, id FROM leases WHERE expires_at IS NOT NULL AND expires_at <= ?')
      .all(nowText) as { namespace: string; id: string }[]) {
      db.prepare('DELETE FROM leases WHERE namespace = ? AND id = ?').run(l.namespace, l.id);
      report.leases.push(`${l.namespace}/${l.id}`);
    }
    for (const r of contentRows) {
      if (markedContent.has(`${r.namespace}\n${r.digest}`)) continue;
      db.prepare('DELETE FROM content WHERE namespace = ? AND digest = ?').run(r.namespace, r.digest);
      report.content.push(`${r.namespace}/${r.digest}`);
    }
    for (const r of snapshotRows) {
      if (markedSnapshots.has(`${r.namespace}\n${r.snapshotter}\n${r.key}`)) continue;
      db.prepare('DELETE FROM snapshots WHERE namespace = ? AND snapshotter = ? AND key = ?').run(
        r.namespace,
        r.snapshotter,
        r.key,
      );
      report.snapshots.push(`${r.namespace}/${r.snapshotter}/${r.key}`);
    }
  }).immediate();

  // Sweep the disk: what no record references any more.
  const recorded = new Set(
    (db.prepare('SELECT DISTINCT digest FROM content').all() as { digest: string }[]).map((r) => r.digest),
  );
  for (const digest of blobs) {
    if (recorded.has(digest)) continue;
    await stores.blobs.delete(digest).catch(ignoreNotFound);
    report.blobs.push(digest);
  }
  for (const name of stores.snapshotterNames()) await sweepBackend(stores, name, report);
  const maxAge = opts.ingestMaxAgeMs ?? DAY_MS;
  for (const st of await stores.blobs.listStatuses()) {
    if (leasedIngests.has(st.ref) || now.getTime() - st.updatedAt.getTime() <= maxAge) continue;
    try {
      await stores.blobs.abort(st.ref);
      report.ingests.push(st.ref);
    } catch (err) {
      if (err instanceof BerthError && (err.code === 'Unavailable' || err.code === 'NotFound')) continue; // a writer holds it
      throw err;
    }
  }
  report.leftovers += await stores.blobs.removeIncompleteIngests();
  for (const name of stores.snapshotterNames())
    report.leftovers += await stores.backendSnapshotter(name).cleanup();
  return report;
}

/** Removes the backend snapshots of `name` that no record references, children first. */
async function sweepBackend(stores: Collectable, name: string, report: GcReport): Promise<void> {
  const backend = stores.backendSnapshotter(name);
  const referenced = new Set(
    (
      stores.db.prepare('SELECT backend_key FROM snapshots WHERE snapshotter = ?').all(name) as {
        backend_key: string;
      }[]
    ).map((r) => r.backend_key),
  );
  const parents = new Map<string, string | undefined>();
  await backend.walk((info) => void parents.set(info.name, info.parent));
  let doomed = [...parents.keys()].filter((k) => !referenced.has(k));
  while (doomed.length > 0) {
    const stillParents = new Set([...parents.values()].filter((p): p is string => p !== undefined));
    const leaves = doomed.filter((k) => !stillParents.has(k));
    if (leaves.length === 0) break; // only parents of referenced snapshots are left: they stay
    for (const key of leaves) {
      try {
        await backend.remove(key);
        report.backendSnapshots.push(`${name}/${key}`);
      } catch (err) {
        if (!(err instanceof BerthError && err.code === 'FailedPrecondition')) throw err;
        report.skipped.push(`${name}/${key}: ${err.message}`);
      }
      parents.delete(key);
    }
    doomed = doomed.filter((k) => parents.has(k));
  }
}

async function readJson(stores: Collectable, digest: string): Promise<Record<string, unknown> | undefined> {
  try {
    if ((await stores.blobs.info(digest)).size > MAX_WALKED_BLOB) return undefined;
    const doc = JSON.parse((await stores.blobs.readBlob(digest)).toString('utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined; // not JSON (a layer), or gone: nothing to walk
  }
}

/** The descriptors an index or manifest references (image-spec image-index.md, manifest.md). */
function childrenOf(doc: Record<string, unknown>, mediaType: string | undefined): JsonDescriptor[] {
  const list = (v: unknown): JsonDescriptor[] =>
    Array.isArray(v) ? (v.filter((d) => typeof d === 'object' && d !== null) as JsonDescriptor[]) : [];
  const one = (v: unknown): JsonDescriptor[] =>
    typeof v === 'object' && v !== null ? [v as JsonDescriptor] : [];
  const isIndex = mediaType !== undefined ? INDEX_TYPES.has(mediaType) : Array.isArray(doc['manifests']);
  const isManifest =
    mediaType !== undefined ? MANIFEST_TYPES.has(mediaType) : 'config' in doc && Array.isArray(doc['layers']);
  if (isIndex) return [...list(doc['manifests']), ...one(doc['subject'])];
  if (isManifest) {
    const config = one(doc['config']).map((d) => ({
      ...d,
      mediaType: d.mediaType ?? 'application/vnd.oci.image.config.v1+json',
    }));
    return [
      ...config,
      ...list(doc['layers']).map((d) => ({ digest: d.digest }) as JsonDescriptor),
      ...one(doc['subject']),
    ];
  }
  return [];
}

/** Chain IDs of an image config's layers: ChainID(L0) = DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIds(config: Record<string, unknown>): string[] {
  const rootfs = config['rootfs'] as { diff_ids?: unknown } | undefined;
  const diffIds = Array.isArray(rootfs?.diff_ids)
    ? rootfs.diff_ids.filter((d): d is string => typeof d === 'string')
    : [];
  const ids: string[] = [];
  for (const diff of diffIds) ids.push(ids.length === 0 ? diff : digestOf(`${ids[ids.length - 1]} ${diff}`));
  return ids;
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof BerthError && err.code === 'NotFound')) throw err;
}
