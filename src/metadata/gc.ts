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
//   2. then, outside it, blobs that no namespace records and no live lease names (a lease names the
//      digest its writer expects, so a blob committed just before a crash, and not yet recorded, stays), backend snapshots that no record references
//      (children before parents), stale unleased ingests and crash leftovers are removed. Each removal is
//      atomic on its own and found again by the next collection if this one is interrupted.
import { BerthError } from '../base/errors.js';
import type { LocalContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import { contentId, Marker, snapshotId, type ContentRow, type SnapshotRow } from './gc-mark.js';

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

const DAY_MS = 24 * 60 * 60 * 1000;

/** Runs one collection; the caller holds the exclusive GC lock. */
export async function collectGarbage(stores: Collectable, opts: GcOptions = {}): Promise<GcReport> {
  const now = opts.now ?? new Date();
  const nowText = now.toISOString();
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

  // What exists on disk: records a crash left without their blob or backend snapshot are not marked.
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
  const marker = new Marker(
    stores.blobs,
    stores.snapshotterNames(),
    contentRows.filter((r) => blobs.has(r.digest)),
    snapshotRows.filter((r) => backendKeys.get(r.snapshotter)?.has(r.backend_key) ?? false),
  );

  // Mark from the roots.
  const leasedIngests = new Set<string>();
  const leasedBlobs = new Set<string>();
  const liveLease =
    'SELECT 1 FROM leases l WHERE l.namespace = r.namespace AND l.id = r.lease_id AND (l.expires_at IS NULL OR l.expires_at > ?)';
  const leased = db
    .prepare(`SELECT namespace, type, id FROM lease_resources r WHERE EXISTS (${liveLease})`)
    .all(nowText) as { namespace: string; type: string; id: string }[];
  for (const r of leased) {
    if (r.type === 'content') {
      leasedBlobs.add(r.id);
      await marker.markContent(r.namespace, r.id);
    } else if (r.type === 'ingests') leasedIngests.add(`${r.namespace}/${r.id}`);
    else if (r.type.startsWith('snapshots/'))
      marker.markSnapshot(r.namespace, r.type.slice('snapshots/'.length), r.id);
  }
  const images = db.prepare('SELECT namespace, target_digest, target_media_type FROM images').all() as {
    namespace: string;
    target_digest: string;
    target_media_type: string;
  }[];
  for (const img of images)
    await marker.markContent(img.namespace, img.target_digest, img.target_media_type, true);
  const containers = db
    .prepare('SELECT namespace, image_digest, snapshotter, snapshot_key FROM containers')
    .all() as {
    namespace: string;
    image_digest: string | null;
    snapshotter: string | null;
    snapshot_key: string | null;
  }[];
  for (const c of containers) {
    if (c.snapshotter && c.snapshot_key) marker.markSnapshot(c.namespace, c.snapshotter, c.snapshot_key);
    if (c.image_digest) await marker.markContent(c.namespace, c.image_digest, undefined, true);
  }
  for (const root of [...marker.roots()]) {
    if (root.kind === 'content') await marker.markContent(root.row.namespace, root.row.digest);
    else marker.markSnapshot(root.row.namespace, root.row.snapshotter, root.row.key);
  }
  await marker.drain();

  // Sweep the records, in one transaction.
  db.transaction(() => {
    const expired = db
      .prepare('SELECT namespace, id FROM leases WHERE expires_at IS NOT NULL AND expires_at <= ?')
      .all(nowText) as { namespace: string; id: string }[];
    for (const l of expired) {
      db.prepare('DELETE FROM leases WHERE namespace = ? AND id = ?').run(l.namespace, l.id);
      report.leases.push(`${l.namespace}/${l.id}`);
    }
    for (const r of contentRows) {
      if (marker.content.has(contentId(r.namespace, r.digest))) continue;
      db.prepare('DELETE FROM content WHERE namespace = ? AND digest = ?').run(r.namespace, r.digest);
      report.content.push(`${r.namespace}/${r.digest}`);
    }
    for (const r of snapshotRows) {
      if (marker.snapshots.has(snapshotId(r.namespace, r.snapshotter, r.key))) continue;
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
    if (recorded.has(digest) || leasedBlobs.has(digest)) continue;
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

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof BerthError && err.code === 'NotFound')) throw err;
}
