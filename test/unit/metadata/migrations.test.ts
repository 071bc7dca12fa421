// Schema migrations: an old database is upgraded in place with its rows kept, a newer one is refused, and
// a failing migration leaves the database at its previous version.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestOf } from '../../../src/content/index.js';
import {
  MIGRATIONS,
  openDatabase,
  SCHEMA_VERSION,
  schemaVersion,
  Stores,
} from '../../../src/metadata/index.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-migrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: ReturnType<typeof openDatabase>): string[] =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);

test('migrations are numbered 1, 2, 3, ... with no gaps', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
});

test('a version 1 database is upgraded to the current schema and keeps its rows', async () => {
  const path = join(dir, 'v1', 'metadata.db');
  const v1 = openDatabase(path, { upTo: 1 });
  assert.equal(schemaVersion(v1), 1);
  assert.ok(!tables(v1).includes('containers'));
  v1.prepare(
    "INSERT INTO namespaces (name, labels, created_at) VALUES ('moby', '{}', '2026-01-01T00:00:00.000Z')",
  ).run();
  v1.prepare(
    `INSERT INTO images (namespace, name, target_media_type, target_digest, target_size, labels, created_at, updated_at)
     VALUES ('moby', 'old:1', 'application/vnd.oci.image.index.v1+json', ?, 3, '{"k":"v"}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
  ).run(digestOf('old'));
  v1.close();

  const stores = new Stores(join(dir, 'v1'));
  assert.equal(schemaVersion(stores.db), SCHEMA_VERSION);
  for (const t of [
    'containers',
    'sandboxes',
    'networks',
    'network_endpoints',
    'volumes',
    'container_volumes',
  ])
    assert.ok(tables(stores.db).includes(t), `table ${t} after upgrade`);
  const image = stores.images('moby').get('old:1');
  assert.deepEqual(image.labels, { k: 'v' });
  assert.equal(image.target.digest, digestOf('old'));
  stores.containers('moby').create({ id: 'new', runtime: { name: 'berth', options: {} }, image: 'old:1' });
  const applied = stores.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as {
    version: number;
  }[];
  assert.deepEqual(
    applied.map((r) => r.version),
    MIGRATIONS.map((m) => m.version),
  );
  await stores.close();
});

test('a database from a newer berth is refused, naming both versions', () => {
  const path = join(dir, 'newer', 'metadata.db');
  const db = openDatabase(path);
  db.prepare(
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', '2030-01-01T00:00:00.000Z')",
  ).run(SCHEMA_VERSION + 1);
  db.close();
  assert.throws(() => openDatabase(path), {
    code: 'FailedPrecondition',
    message: `metadata database "${path}": schema version ${SCHEMA_VERSION + 1} is newer than this berth's ${SCHEMA_VERSION}; use a newer berth`,
  });
});

test('a failing migration is rolled back and the database stays at its version', () => {
  const path = join(dir, 'broken', 'metadata.db');
  openDatabase(path).close();
  const broken = [
    ...MIGRATIONS,
    { version: SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half (a INTEGER); SELEC nonsense;' },
  ];
  assert.throws(
    () => openDatabase(path, { migrations: broken }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'Internal');
      assert.match(
        err.message,
        new RegExp(
          `^metadata database ".*": migration ${SCHEMA_VERSION + 1} \\(broken\\): near "SELEC": syntax error$`,
        ),
      );
      return true;
    },
  );
  const db = openDatabase(path);
  assert.equal(schemaVersion(db), SCHEMA_VERSION);
  assert.ok(!tables(db).includes('half'), 'the half-applied step left no table');
  db.close();
});
