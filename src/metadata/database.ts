// Opens <root>/metadata.db: SQLite in WAL mode (readers never block the writer, and a crash leaves the
// last committed transaction), synchronous=FULL (a committed transaction survives power loss), foreign
// keys on, and the schema brought up to date by migrations.ts.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BerthError, wrap } from '../base/errors.js';
import { cachePreparedStatements } from '../base/sqlite.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The handle every metadata repository shares. */
export type SqliteDatabase = Database.Database;

/** Options for openDatabase. */
export interface OpenOptions {
  /** Apply migrations only up to this version (upgrade tests); default: all. */
  upTo?: number;
  /** The migrations to apply (tests); default: MIGRATIONS. */
  migrations?: readonly Migration[];
}

/** Opens (creating if needed) the metadata database at `path` (":memory:" for a private in-memory one). */
export function openDatabase(path: string, opts: OpenOptions = {}): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (err) {
    throw wrap(err, `open metadata database "${path}"`);
  }
  cachePreparedStatements(db);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, path, opts.migrations ?? MIGRATIONS, opts.upTo);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The version recorded in schema_migrations (0 for a new database). */
export function schemaVersion(db: SqliteDatabase): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

function migrate(db: SqliteDatabase, path: string, migrations: readonly Migration[], upTo?: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = schemaVersion(db);
  const known = migrations[migrations.length - 1]?.version ?? 0;
  if (current > known)
    throw new BerthError(
      'FailedPrecondition',
      `metadata database "${path}": schema version ${current} is newer than this berth's ${known}; use a newer berth`,
    );
  for (const m of migrations) {
    if (m.version <= current || (upTo !== undefined && m.version > upTo)) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
      }).immediate();
    } catch (err) {
      throw wrap(err, `metadata database "${path}": migration ${m.version} (${m.name})`);
    }
  }
}
