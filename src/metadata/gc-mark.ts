// The mark phase of garbage collection (gc.ts has the roots and the sweep): follows references from a
// root to everything it keeps, over the records as they were when the collection started.
//   content   → labels "containerd.io/gc.ref.content[.<any>]" = digest, "containerd.io/gc.ref.snapshot.
//               <snapshotter>[/<any>]" = key; and, for an index, manifest or config (known by the
//               descriptor's media type, or sniffed from a small JSON blob), the content it references:
//               index → manifests (+ subject), manifest → config + layers (+ subject), config → the
//               committed snapshots named by its layers' chain IDs (OCI image-spec config.md "Layer ChainID")
//   snapshot  → its parent, and the same labels as content
import { digestOf, type LocalContentStore } from '../content/index.js';

/** A content record, as the collector reads it. */
export interface ContentRow {
  namespace: string;
  digest: string;
  labels: string;
}

/** A snapshot record, as the collector reads it. */
export interface SnapshotRow {
  namespace: string;
  snapshotter: string;
  key: string;
  backend_key: string;
  parent: string | null;
  labels: string;
}

/** The label that makes content or a snapshot a root by itself. */
export const GC_ROOT = 'containerd.io/gc.root';
const REF_CONTENT = 'containerd.io/gc.ref.content';
const REF_SNAPSHOT = 'containerd.io/gc.ref.snapshot.';
/** The largest manifest or config the collector reads (the distribution spec's manifest limit). */
const MAX_WALKED_BLOB = 4 * 1024 * 1024;

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

interface JsonDescriptor {
  mediaType?: string;
  digest?: string;
}

/** The marked sets of one collection. */
export class Marker {
  /** Marked content, "<namespace>\n<digest>". */
  readonly content = new Set<string>();
  /** Marked snapshots, "<namespace>\n<snapshotter>\n<key>". */
  readonly snapshots = new Set<string>();
  private readonly contentRows: Map<string, ContentRow>;
  private readonly snapshotRows: Map<string, SnapshotRow>;
  /** Labels of marked snapshots still to follow (snapshot marking is synchronous; content is not). */
  private readonly pending: [string, string][] = [];

  constructor(
    private readonly blobs: LocalContentStore,
    private readonly snapshotterNames: string[],
    contentRows: Iterable<ContentRow>,
    snapshotRows: Iterable<SnapshotRow>,
  ) {
    this.contentRows = new Map([...contentRows].map((r) => [contentId(r.namespace, r.digest), r]));
    this.snapshotRows = new Map(
      [...snapshotRows].map((r) => [snapshotId(r.namespace, r.snapshotter, r.key), r]),
    );
  }

  /** Marks a blob and what it references; `sniff` reads a blob of unknown type to see if it is an image. */
  async markContent(ns: string, digest: string, mediaType?: string, sniff = false): Promise<void> {
    const id = contentId(ns, digest);
    const row = this.contentRows.get(id);
    if (!row || this.content.has(id)) return;
    this.content.add(id);
    await this.markLabels(ns, row.labels);
    const known = mediaType !== undefined;
    if (
      known
        ? !(INDEX_TYPES.has(mediaType) || MANIFEST_TYPES.has(mediaType) || CONFIG_TYPES.has(mediaType))
        : !sniff
    )
      return;
    const doc = await this.readJson(digest);
    if (doc === undefined) return;
    const type = mediaType ?? (typeof doc['mediaType'] === 'string' ? doc['mediaType'] : undefined);
    for (const child of childrenOf(doc, type))
      if (child.digest) await this.markContent(ns, child.digest, child.mediaType);
    const isConfig = type !== undefined ? CONFIG_TYPES.has(type) : typeof doc['rootfs'] === 'object';
    if (isConfig)
      for (const chainId of chainIds(doc))
        for (const sn of this.snapshotterNames) this.markSnapshot(ns, sn, chainId);
  }

  /** Marks a snapshot and its parents (their labels are followed by drain()). */
  markSnapshot(ns: string, snapshotter: string, key: string): void {
    for (let k: string | null = key; k !== null;) {
      const id = snapshotId(ns, snapshotter, k);
      const row = this.snapshotRows.get(id);
      if (!row || this.snapshots.has(id)) return;
      this.snapshots.add(id);
      this.pending.push([ns, row.labels]);
      k = row.parent;
    }
  }

  /** Follows the labels of marked snapshots until nothing new is marked. */
  async drain(): Promise<void> {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) await this.markLabels(...next);
  }

  /** The content and snapshot records that carry the gc.root label. */
  *roots(): Generator<{ kind: 'content'; row: ContentRow } | { kind: 'snapshot'; row: SnapshotRow }> {
    for (const row of this.contentRows.values())
      if (GC_ROOT in parseLabels(row.labels)) yield { kind: 'content', row };
    for (const row of this.snapshotRows.values())
      if (GC_ROOT in parseLabels(row.labels)) yield { kind: 'snapshot', row };
  }

  private async markLabels(ns: string, labelsText: string): Promise<void> {
    for (const [k, v] of Object.entries(parseLabels(labelsText))) {
      if (k === REF_CONTENT || k.startsWith(`${REF_CONTENT}.`)) await this.markContent(ns, v);
      else if (k.startsWith(REF_SNAPSHOT))
        this.markSnapshot(ns, k.slice(REF_SNAPSHOT.length).split('/')[0]!, v);
    }
  }

  private async readJson(digest: string): Promise<Record<string, unknown> | undefined> {
    try {
      if ((await this.blobs.info(digest)).size > MAX_WALKED_BLOB) return undefined;
      const doc = JSON.parse((await this.blobs.readBlob(digest)).toString('utf8')) as unknown;
      return typeof doc === 'object' && doc !== null && !Array.isArray(doc)
        ? (doc as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined; // not JSON (a layer), or gone: nothing to walk
    }
  }
}

/** The key of a content record in the marked set. */
export function contentId(ns: string, digest: string): string {
  return `${ns}\n${digest}`;
}

/** The key of a snapshot record in the marked set. */
export function snapshotId(ns: string, snapshotter: string, key: string): string {
  return `${ns}\n${snapshotter}\n${key}`;
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
  if (!isManifest) return [];
  // The config is walked whatever media type its descriptor claims (artifacts use others); layers never are.
  const config = one(doc['config']).map((d) => ({ digest: d.digest, mediaType: [...CONFIG_TYPES][0] }));
  const layers = list(doc['layers']).map((d) => ({ digest: d.digest }));
  return [...config, ...layers, ...one(doc['subject'])];
}

/**
 * Chain IDs of an image config's layers (image-spec config.md "Layer ChainID"):
 * ChainID(L0) = DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 */
export function chainIds(config: Record<string, unknown>): string[] {
  const rootfs = config['rootfs'] as { diff_ids?: unknown } | undefined;
  const diffIds = Array.isArray(rootfs?.diff_ids)
    ? rootfs.diff_ids.filter((d): d is string => typeof d === 'string')
    : [];
  const ids: string[] = [];
  for (const diff of diffIds) ids.push(ids.length === 0 ? diff : digestOf(`${ids[ids.length - 1]} ${diff}`));
  return ids;
}

function parseLabels(text: string): Record<string, string> {
  return JSON.parse(text) as Record<string, string>;
}
