// What the overlay and native snapshotters share: records in storage.ts, one directory <dir>/<id> per
// snapshot with its tree in <id>/fs, and crash-safe creation and removal:
//
//   <dir>/snapshots.db       the records (storage.ts)
//   <dir>/<id>/fs            the snapshot's tree (overlay: its own layer only; native: a full copy)
//   <dir>/<id>/work          overlay's workdir (active overlay snapshots with a parent)
//   <dir>/.new-<random>/     a snapshot being prepared; renamed to <id> in the transaction recording it
//   <dir>/.rm-<id>/          a snapshot being removed; renamed so in the transaction deleting its record
//
// A crash leaves at most .new-*/.rm-* or <id> directories without a record; cleanup() removes them (never
// one that is mounted or still being prepared by this process).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../base/errors.js';
import { diskUsage } from './disk-usage.js';
import { mountsUsing } from './mount-info.js';
import { SnapshotStorage, type SnapshotRecord } from './storage.js';
import type { Info, Kind, Mount, SnapshotOptions, Snapshotter, Usage, WalkFilter } from './types.js';

/** The directory-per-snapshot skeleton; subclasses say how a tree is made and mounted. */
export abstract class DirSnapshotter implements Snapshotter {
  /** The snapshotter's records. */
  protected readonly storage: SnapshotStorage;
  private readonly preparing = new Set<string>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.storage = new SnapshotStorage(dir);
  }

  /** Fills the new snapshot's directory `tmp` (make `tmp/fs`, and whatever else the kind needs). */
  protected abstract populate(tmp: string, kind: Kind, parentIds: number[]): Promise<void>;

  /** The mounts of an active snapshot or view. */
  protected abstract mountsOf(rec: SnapshotRecord): Mount[];

  /** Refuses a parent chain the implementation cannot stack (overlay's layer limit). */
  protected checkChain(_key: string, _parentIds: number[]): void {}

  /** <dir>/<id>/fs. */
  fsPath(id: number): string {
    return join(this.dir, String(id), 'fs');
  }

  /** The snapshot's info. */
  async stat(key: string): Promise<Info> {
    return this.storage.info(key);
  }

  /** Replaces labels. */
  async update(info: Pick<Info, 'name' | 'labels'>, fieldpaths?: string[]): Promise<Info> {
    return this.storage.updateLabels(info.name, info.labels, fieldpaths);
  }

  /** Disk use of the snapshot's own tree. */
  async usage(key: string): Promise<Usage> {
    const rec = this.storage.get(key);
    if (rec.usage) return rec.usage;
    return diskUsage(this.fsPath(rec.id));
  }

  /** The mounts of an active snapshot or view. */
  async mounts(key: string): Promise<Mount[]> {
    const rec = this.storage.get(key);
    if (rec.kind === 'committed')
      throw new BerthError(
        'FailedPrecondition',
        `mounts "${key}": snapshot is committed; prepare or view it`,
      );
    return this.mountsOf(rec);
  }

  /** Makes an active snapshot. */
  prepare(key: string, parent?: string, opts?: SnapshotOptions): Promise<Mount[]> {
    return this.create('active', key, parent, opts);
  }

  /** Makes a read-only view. */
  view(key: string, parent?: string, opts?: SnapshotOptions): Promise<Mount[]> {
    return this.create('view', key, parent, opts);
  }

  /** Commits an active snapshot under `name`, recording its usage. */
  async commit(name: string, key: string, opts?: SnapshotOptions): Promise<void> {
    checkKey(name);
    const rec = this.storage.get(key);
    if (rec.kind !== 'active')
      throw new BerthError('FailedPrecondition', `commit "${key}": snapshot is ${rec.kind}, not active`);
    const usage = await diskUsage(this.fsPath(rec.id));
    this.storage.commit(name, key, usage, opts?.labels);
  }

  /** Removes a snapshot that no mount uses and no snapshot has as parent. */
  async remove(key: string): Promise<void> {
    const { id } = this.storage.get(key);
    const live = this.mountsUsing(join(this.dir, String(id)));
    if (live.length > 0)
      throw new BerthError('FailedPrecondition', `remove "${key}": snapshot is mounted at "${live[0]}"`);
    const trash = join(this.dir, `.rm-${id}`);
    try {
      this.storage.remove(key, (rec) => renameSync(join(this.dir, String(rec.id)), trash));
    } catch (err) {
      // The transaction failed after the rename (e.g. its COMMIT): put the directory back for the record.
      if (existsSync(trash) && !existsSync(join(this.dir, String(id))))
        renameSync(trash, join(this.dir, String(id)));
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
  }

  /** Visits snapshots. */
  async walk(fn: (info: Info) => void | Promise<void>, filter?: WalkFilter): Promise<void> {
    for (const info of this.storage.list(filter)) await fn(info);
  }

  /** Removes directories without a record. */
  async cleanup(): Promise<number> {
    const ids = this.storage.ids();
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      const orphan =
        (/^\d+$/.test(name) && !ids.has(Number(name))) ||
        name.startsWith('.rm-') ||
        (name.startsWith('.new-') && !this.preparing.has(name));
      if (!orphan) continue;
      const path = join(this.dir, name);
      if (this.mountsUsing(path).length > 0) continue; // never delete through a mount; a later sweep retries
      await rm(path, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Closes the records. */
  async close(): Promise<void> {
    this.storage.close();
  }

  /** Mounts that use `path` (a seam for tests of the refusal). */
  protected mountsUsing(path: string): string[] {
    return mountsUsing(path);
  }

  private async create(
    kind: Kind,
    key: string,
    parent: string | undefined,
    opts?: SnapshotOptions,
  ): Promise<Mount[]> {
    checkKey(key);
    const parentIds = this.storage.parentChain(parent);
    this.checkChain(key, parentIds);
    try {
      this.storage.get(key);
      throw new BerthError('AlreadyExists', `snapshot "${key}": already exists`);
    } catch (err) {
      if (!(err instanceof BerthError && err.code === 'NotFound')) throw err;
    }
    const name = `.new-${randomBytes(8).toString('hex')}`;
    const tmp = join(this.dir, name);
    this.preparing.add(name);
    try {
      await mkdir(tmp, { mode: 0o700 });
      await this.populate(tmp, kind, parentIds);
      const rec = this.storage.create(kind, key, parent, opts?.labels ?? {}, (r) => {
        if (r.parentIds.join() !== parentIds.join())
          throw new BerthError(
            'FailedPrecondition',
            `prepare "${key}": parent "${parent}" changed meanwhile`,
          );
        renameSync(tmp, join(this.dir, String(r.id)));
      });
      return this.mountsOf(rec);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    } finally {
      this.preparing.delete(name);
    }
  }
}

/** Keys and names: non-empty, no NUL byte, at most 4096 bytes. */
function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '')
    throw new BerthError('InvalidArgument', 'snapshot key: must not be empty');
  if (key.includes('\0') || Buffer.byteLength(key) > 4096)
    throw new BerthError(
      'InvalidArgument',
      `snapshot key "${key.slice(0, 64)}": too long or holds a NUL byte`,
    );
}
