// A snapshotter as one namespace sees it (containerd's metadata/snapshot.go): the namespace's keys and
// names, mapped onto backend keys "<namespace>/<random>/<key>" of a shared snapshotter, with labels kept
// here (snapshots table). The backend never sees two namespaces' keys collide, and garbage collection
// knows which backend snapshots some namespace still references.
//
// Order of operations, so that a crash never leaves a record without its snapshot:
//   prepare/view: backend first, then the record (a crash between leaves an unreferenced backend
//                 snapshot, which the next collection removes);
//   commit:       backend commit, then the record's new key and backend key (a crash between leaves a
//                 record whose backend key is gone; collection drops such records);
//   remove:       backend first (refused while mounted or a parent), then the record.
import { randomBytes } from 'node:crypto';
import { BerthError } from '../base/errors.js';
import {
  applyLabelPaths,
  checkLabels,
  type Info,
  type Mount,
  type SnapshotOptions,
  type Snapshotter,
  type Usage,
  type WalkFilter,
} from '../snapshots/index.js';
import type { NamespaceContext } from './content-store.js';
import { fromJson, isUniqueViolation, nowText, toJson } from './row-codec.js';

/** A snapshot record of the snapshots table. */
interface Row {
  key: string;
  backend_key: string;
  parent: string | null;
  labels: string;
  created_at: string;
  updated_at: string;
}

/** One namespace's view of the snapshotter `name`. */
export class NamespacedSnapshotter implements Snapshotter {
  constructor(
    private readonly backend: Snapshotter,
    readonly name: string,
    private readonly ctx: NamespaceContext,
  ) {}

  /** The snapshot's info, with this namespace's key, parent and labels. */
  async stat(key: string): Promise<Info> {
    const row = this.row(key);
    const info = await this.backend.stat(row.backend_key);
    return toInfo(row, info.kind);
  }

  /** Replaces labels (kept in the metadata database). */
  async update(info: Pick<Info, 'name' | 'labels'>, fieldpaths?: string[]): Promise<Info> {
    const row = this.row(info.name);
    const labels = checkLabels(
      applyLabelPaths(fromJson(row.labels, {}), info.labels, fieldpaths),
      `snapshot "${info.name}"`,
    );
    this.ctx.db
      .prepare(
        'UPDATE snapshots SET labels = ?, updated_at = ? WHERE namespace = ? AND snapshotter = ? AND key = ?',
      )
      .run(toJson(labels), nowText(), this.ctx.namespace, this.name, info.name);
    return this.stat(info.name);
  }

  /** Disk use. */
  async usage(key: string): Promise<Usage> {
    return this.backend.usage(this.row(key).backend_key);
  }

  /** Mounts of an active snapshot or view. */
  async mounts(key: string): Promise<Mount[]> {
    return this.rename(this.backend.mounts(this.row(key).backend_key));
  }

  /** Makes an active snapshot. */
  prepare(key: string, parent?: string, opts?: SnapshotOptions): Promise<Mount[]> {
    return this.create('prepare', key, parent, opts);
  }

  /** Makes a view. */
  view(key: string, parent?: string, opts?: SnapshotOptions): Promise<Mount[]> {
    return this.create('view', key, parent, opts);
  }

  /** Commits an active snapshot as `name`. */
  async commit(name: string, key: string, opts?: SnapshotOptions): Promise<void> {
    const row = this.row(key);
    if (this.find(name)) throw new BerthError('AlreadyExists', `snapshot "${name}": already exists`);
    const labels = checkLabels(
      { ...fromJson(row.labels, {}), ...(opts?.labels ?? {}) },
      `snapshot "${name}"`,
    );
    const backendName = this.backendKey(name);
    await this.ctx.gcLock.shared(async () => {
      await this.rename(this.backend.commit(backendName, row.backend_key));
      this.ctx.db
        .transaction(() => {
          this.ctx.db
            .prepare(
              `UPDATE snapshots SET key = ?, backend_key = ?, labels = ?, updated_at = ?
               WHERE namespace = ? AND snapshotter = ? AND key = ?`,
            )
            .run(name, backendName, toJson(labels), nowText(), this.ctx.namespace, this.name, key);
          this.ctx.leaseResource(`snapshots/${this.name}`, name);
        })
        .immediate();
    });
  }

  /** Removes a snapshot that is no parent in this namespace. */
  async remove(key: string): Promise<void> {
    const row = this.row(key);
    const child = this.ctx.db
      .prepare('SELECT key FROM snapshots WHERE namespace = ? AND snapshotter = ? AND parent = ? LIMIT 1')
      .get(this.ctx.namespace, this.name, key) as { key: string } | undefined;
    if (child)
      throw new BerthError('FailedPrecondition', `remove "${key}": snapshot is the parent of "${child.key}"`);
    await this.rename(this.backend.remove(row.backend_key));
    this.ctx.db
      .prepare('DELETE FROM snapshots WHERE namespace = ? AND snapshotter = ? AND key = ?')
      .run(this.ctx.namespace, this.name, key);
  }

  /** Visits this namespace's snapshots. */
  async walk(fn: (info: Info) => void | Promise<void>, filter: WalkFilter = {}): Promise<void> {
    const rows = this.ctx.db
      .prepare('SELECT * FROM snapshots WHERE namespace = ? AND snapshotter = ? ORDER BY created_at, key')
      .all(this.ctx.namespace, this.name) as Row[];
    for (const row of rows) {
      let kind: Info['kind'];
      try {
        kind = (await this.backend.stat(row.backend_key)).kind;
      } catch {
        continue; // a record a crash left without its snapshot; collection drops it
      }
      const info = toInfo(row, kind);
      if (filter.kind !== undefined && info.kind !== filter.kind) continue;
      if (filter.parent !== undefined && info.parent !== filter.parent) continue;
      if (!Object.entries(filter.labels ?? {}).every(([k, v]) => info.labels[k] === v)) continue;
      await fn(info);
    }
  }

  /** Cleans the backend's leftovers. */
  cleanup(): Promise<number> {
    return this.backend.cleanup();
  }

  /** Nothing to release: the backend belongs to the store. */
  async close(): Promise<void> {}

  private async create(
    verb: 'prepare' | 'view',
    key: string,
    parent: string | undefined,
    opts?: SnapshotOptions,
  ): Promise<Mount[]> {
    if (typeof key !== 'string' || key === '')
      throw new BerthError('InvalidArgument', 'snapshot key: must not be empty');
    const labels = checkLabels(opts?.labels ?? {}, `snapshot "${key}"`);
    if (this.find(key)) throw new BerthError('AlreadyExists', `snapshot "${key}": already exists`);
    let backendParent: string | undefined;
    if (parent !== undefined && parent !== '') {
      const p = this.find(parent);
      if (!p) throw new BerthError('NotFound', `parent snapshot "${parent}": not found`);
      backendParent = p.backend_key;
    }
    const backendKey = this.backendKey(key);
    return this.ctx.gcLock.shared(async () => {
      const mounts = await this.rename(this.backend[verb](backendKey, backendParent));
      try {
        this.ctx.db
          .transaction(() => {
            this.ctx.ensureNamespace();
            const now = nowText();
            this.ctx.db
              .prepare(
                `INSERT INTO snapshots (namespace, snapshotter, key, backend_key, parent, labels, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
              )
              .run(this.ctx.namespace, this.name, key, backendKey, parent || null, toJson(labels), now, now);
            this.ctx.leaseResource(`snapshots/${this.name}`, key);
          })
          .immediate();
      } catch (err) {
        await this.backend.remove(backendKey).catch(() => undefined);
        if (isUniqueViolation(err))
          throw new BerthError('AlreadyExists', `snapshot "${key}": already exists`);
        throw err;
      }
      return mounts;
    });
  }

  private find(key: string): Row | undefined {
    return this.ctx.db
      .prepare('SELECT * FROM snapshots WHERE namespace = ? AND snapshotter = ? AND key = ?')
      .get(this.ctx.namespace, this.name, key) as Row | undefined;
  }

  private row(key: string): Row {
    const row = this.find(key);
    if (!row) throw new BerthError('NotFound', `snapshot "${key}": not found`);
    return row;
  }

  private backendKey(key: string): string {
    return `${this.ctx.namespace}/${randomBytes(6).toString('hex')}/${key}`;
  }

  /** Backend errors name backend keys ("<namespace>/<random>/<key>"); the caller knows only its own keys. */
  private async rename<T>(op: Promise<T>): Promise<T> {
    try {
      return await op;
    } catch (err) {
      if (!(err instanceof BerthError)) throw err;
      const message = err.message.replace(
        /"[^"/]+\/[0-9a-f]{12}\/([^"]*)"/g,
        (_m, key: string) => `"${key}"`,
      );
      throw new BerthError(err.code, message, { cause: err });
    }
  }
}

function toInfo(row: Row, kind: Info['kind']): Info {
  return {
    kind,
    name: row.key,
    ...(row.parent !== null ? { parent: row.parent } : {}),
    labels: fromJson(row.labels, {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
