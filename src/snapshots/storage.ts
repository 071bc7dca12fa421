// The records of one snapshotter, in <dir>/snapshots.db (SQLite, WAL), like containerd's per-snapshotter
// metadata.db (containerd/snapshots/storage/bolt.go). Each snapshot has a numeric id that never repeats
// (AUTOINCREMENT), which names its directory <dir>/<id>: short ids keep overlay's lowerdir option short.
//
//   snapshots(
//     id         INTEGER PRIMARY KEY AUTOINCREMENT   the directory name; never reused, even after removal
//     key        TEXT NOT NULL UNIQUE                the key (active, view) or name (committed)
//     kind       TEXT NOT NULL                       'active' | 'committed' | 'view'
//     parent_id  INTEGER REFERENCES snapshots(id)    the parent (always committed), or NULL
//     labels     TEXT NOT NULL                       JSON object of string → string
//     created_at TEXT NOT NULL, updated_at TEXT NOT NULL   RFC 3339 with milliseconds
//     size       INTEGER, inodes INTEGER             usage, computed once at commit (committed only)
//   )
//   PRAGMA user_version = 1 (the schema version; a newer one is refused)
//
// Directory changes happen inside the transaction that records them (a rename, which is atomic), so a
// crash leaves at worst a directory with no record, which cleanup() removes; never a record without
// its directory.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { cachePreparedStatements } from '../base/sqlite.js';
import { join } from 'node:path';
import { BerthError } from '../base/errors.js';
import { applyLabelPaths, checkLabels } from './labels.js';
import type { Info, Kind, Usage, WalkFilter } from './types.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('active', 'committed', 'view')),
  parent_id INTEGER REFERENCES snapshots(id),
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  size INTEGER,
  inodes INTEGER
);
CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots(parent_id);
`;

/** One row of the snapshots table. */
interface Row {
  id: number;
  key: string;
  kind: Kind;
  parent_id: number | null;
  labels: string;
  created_at: string;
  updated_at: string;
  size: number | null;
  inodes: number | null;
}

/** A snapshot's record with what the implementations need: its id and its parents' ids, nearest first. */
export interface SnapshotRecord {
  id: number;
  kind: Kind;
  key: string;
  /** Ids of the parent, grandparent, ..., nearest first. */
  parentIds: number[];
  /** Stored usage (committed snapshots). */
  usage?: Usage;
}

/** The snapshot records of one snapshotter. */
export class SnapshotStorage {
  private readonly db: Database.Database;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dir, 'snapshots.db'));
    cachePreparedStatements(this.db);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION)
      throw new BerthError(
        'FailedPrecondition',
        `snapshot database "${join(dir, 'snapshots.db')}": schema version ${version} is newer than this berth's ${SCHEMA_VERSION}`,
      );
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  /** Runs fn in one write transaction (BEGIN IMMEDIATE). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The record of `key`, or NotFound. */
  get(key: string): SnapshotRecord {
    const row = this.row(key);
    return { id: row.id, kind: row.kind, key: row.key, parentIds: this.parentIds(row), ...usageOf(row) };
  }

  /** The public info of `key`, or NotFound. */
  info(key: string): Info {
    return this.toInfo(this.row(key));
  }

  /**
   * Records a new snapshot and, in the same transaction, calls `place(id)` to move its prepared directory
   * into place; if `place` throws, nothing is recorded.
   */
  create(
    kind: Kind,
    key: string,
    parent: string | undefined,
    labels: Record<string, string>,
    place: (rec: SnapshotRecord) => void,
  ): SnapshotRecord {
    checkLabels(labels, `snapshot "${key}"`);
    return this.transaction(() => {
      if (this.find(key)) throw new BerthError('AlreadyExists', `snapshot "${key}": already exists`);
      let parentRow: Row | undefined;
      if (parent !== undefined && parent !== '') {
        parentRow = this.find(parent);
        if (!parentRow) throw new BerthError('NotFound', `parent snapshot "${parent}": not found`);
        if (parentRow.kind !== 'committed')
          throw new BerthError(
            'FailedPrecondition',
            `parent snapshot "${parent}": is ${parentRow.kind}, not committed`,
          );
      }
      const now = new Date().toISOString();
      const result = this.db
        .prepare(
          'INSERT INTO snapshots (key, kind, parent_id, labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(key, kind, parentRow?.id ?? null, JSON.stringify(labels), now, now);
      const id = Number(result.lastInsertRowid);
      const rec: SnapshotRecord = {
        id,
        kind,
        key,
        parentIds: parentRow ? [parentRow.id, ...this.parentIds(parentRow)] : [],
      };
      place(rec);
      return rec;
    });
  }

  /** The record a new snapshot on `parent` would have as parent chain (to prepare its directory first). */
  parentChain(parent: string | undefined): number[] {
    if (parent === undefined || parent === '') return [];
    const row = this.find(parent);
    if (!row) throw new BerthError('NotFound', `parent snapshot "${parent}": not found`);
    if (row.kind !== 'committed')
      throw new BerthError(
        'FailedPrecondition',
        `parent snapshot "${parent}": is ${row.kind}, not committed`,
      );
    return [row.id, ...this.parentIds(row)];
  }

  /** Turns active `key` into committed `name` with its usage and extra labels. */
  commit(
    name: string,
    key: string,
    usage: Usage,
    labels: Record<string, string> | undefined,
  ): SnapshotRecord {
    return this.transaction(() => {
      const row = this.row(key);
      if (row.kind !== 'active')
        throw new BerthError('FailedPrecondition', `commit "${key}": snapshot is ${row.kind}, not active`);
      if (this.find(name)) throw new BerthError('AlreadyExists', `snapshot "${name}": already exists`);
      const merged = checkLabels({ ...parseLabels(row.labels), ...labels }, `snapshot "${name}"`);
      this.db
        .prepare(
          "UPDATE snapshots SET key = ?, kind = 'committed', labels = ?, updated_at = ?, size = ?, inodes = ? WHERE id = ?",
        )
        .run(name, JSON.stringify(merged), new Date().toISOString(), usage.size, usage.inodes, row.id);
      return { ...this.get(name) };
    });
  }

  /** Deletes `key`'s record, calling `unplace(rec)` in the same transaction; refuses a parent. */
  remove(key: string, unplace: (rec: SnapshotRecord) => void): SnapshotRecord {
    return this.transaction(() => {
      const rec = this.get(key);
      const child = this.db.prepare('SELECT key FROM snapshots WHERE parent_id = ? LIMIT 1').get(rec.id) as
        { key: string } | undefined;
      if (child)
        throw new BerthError(
          'FailedPrecondition',
          `remove "${key}": snapshot is the parent of "${child.key}"`,
        );
      this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(rec.id);
      unplace(rec);
      return rec;
    });
  }

  /** Replaces labels as Snapshotter.update describes. */
  updateLabels(name: string, labels: Record<string, string>, fieldpaths: string[] | undefined): Info {
    return this.transaction(() => {
      const row = this.row(name);
      const next = checkLabels(
        applyLabelPaths(parseLabels(row.labels), labels, fieldpaths),
        `snapshot "${name}"`,
      );
      this.db
        .prepare('UPDATE snapshots SET labels = ?, updated_at = ? WHERE id = ?')
        .run(JSON.stringify(next), new Date().toISOString(), row.id);
      return this.info(name);
    });
  }

  /** Every snapshot's info that passes the filter. */
  list(filter: WalkFilter = {}): Info[] {
    const rows = this.db.prepare('SELECT * FROM snapshots ORDER BY id').all() as Row[];
    return rows
      .map((r) => this.toInfo(r))
      .filter((i) => filter.kind === undefined || i.kind === filter.kind)
      .filter((i) => filter.parent === undefined || i.parent === filter.parent)
      .filter((i) => Object.entries(filter.labels ?? {}).every(([k, v]) => i.labels[k] === v));
  }

  /** Every id that has a record. */
  ids(): Set<number> {
    return new Set((this.db.prepare('SELECT id FROM snapshots').all() as { id: number }[]).map((r) => r.id));
  }

  /** Closes the database. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  private find(key: string): Row | undefined {
    return this.db.prepare('SELECT * FROM snapshots WHERE key = ?').get(key) as Row | undefined;
  }

  private row(key: string): Row {
    const row = this.find(key);
    if (!row) throw new BerthError('NotFound', `snapshot "${key}": not found`);
    return row;
  }

  private parentIds(row: Row): number[] {
    const ids = this.db
      .prepare(
        `WITH RECURSIVE chain(id, parent_id, depth) AS (
           SELECT id, parent_id, 0 FROM snapshots WHERE id = ?
           UNION ALL SELECT s.id, s.parent_id, c.depth + 1 FROM snapshots s JOIN chain c ON s.id = c.parent_id)
         SELECT id FROM chain WHERE depth > 0 ORDER BY depth`,
      )
      .all(row.id) as { id: number }[];
    return ids.map((r) => r.id);
  }

  private toInfo(row: Row): Info {
    const parent =
      row.parent_id === null
        ? undefined
        : (this.db.prepare('SELECT key FROM snapshots WHERE id = ?').get(row.parent_id) as { key: string })
            .key;
    return {
      kind: row.kind,
      name: row.key,
      ...(parent !== undefined ? { parent } : {}),
      labels: parseLabels(row.labels),
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    };
  }
}

function usageOf(row: Row): { usage?: Usage } {
  return row.size === null ? {} : { usage: { size: row.size, inodes: row.inodes ?? 0 } };
}

function parseLabels(text: string): Record<string, string> {
  return JSON.parse(text) as Record<string, string>;
}
