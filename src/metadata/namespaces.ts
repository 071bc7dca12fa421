// Namespaces keep the objects of different clients apart in one store, as containerd's do: the Docker
// API's objects live in "moby", the CRI's in "k8s.io" (the names containerd-based dockerd and the CRI
// plugin use), so `docker images` never lists a kubelet's images. Blobs on disk are shared between
// namespaces; each namespace has its own records of them (content table).
import { BerthError } from '../base/errors.js';
import { checkLabels } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import { fromJson, insertOrAlreadyExists, nowText, toJson } from './row-codec.js';

/** The namespace of Docker Engine API objects. */
export const DOCKER_NAMESPACE = 'moby';

/** The namespace of CRI (Kubernetes) objects. */
export const CRI_NAMESPACE = 'k8s.io';

/** containerd's namespace rule (namespaces/validate.go): alphanumerics joined by single ".", "_" or "-". */
const NAME = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const MAX_LENGTH = 76;

/** A namespace's record. */
export interface Namespace {
  /** The name. */
  name: string;
  /** Labels. */
  labels: Record<string, string>;
  /** When it was first used. */
  createdAt: Date;
}

/** The tables that hold namespaced objects, checked before a namespace is deleted. */
const NAMESPACED_TABLES = [
  'images',
  'content',
  'snapshots',
  'leases',
  'containers',
  'sandboxes',
  'networks',
  'volumes',
];

/** Checks a namespace name; InvalidArgument naming it when malformed. */
export function checkNamespace(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_LENGTH || !NAME.test(name))
    throw new BerthError(
      'InvalidArgument',
      `namespace "${name}": must be 1 to ${MAX_LENGTH} letters and digits, separated by single ".", "_" or "-"`,
    );
  return name;
}

/** The namespaces table. */
export class Namespaces {
  constructor(private readonly db: SqliteDatabase) {}

  /** Makes sure `name` exists (namespaces come into being on first use, as containerd's do). */
  ensure(name: string): void {
    checkNamespace(name);
    this.db
      .prepare('INSERT OR IGNORE INTO namespaces (name, labels, created_at) VALUES (?, ?, ?)')
      .run(name, '{}', nowText());
  }

  /** Creates a namespace; AlreadyExists if it is there. */
  create(name: string, labels: Record<string, string> = {}): Namespace {
    checkNamespace(name);
    checkLabels(labels, `namespace "${name}"`);
    insertOrAlreadyExists(
      () =>
        this.db
          .prepare('INSERT INTO namespaces (name, labels, created_at) VALUES (?, ?, ?)')
          .run(name, toJson(labels), nowText()),
      `namespace "${name}": already exists`,
    );
    return this.get(name);
  }

  /** A namespace; NotFound if absent. */
  get(name: string): Namespace {
    const row = this.db.prepare('SELECT * FROM namespaces WHERE name = ?').get(checkNamespace(name)) as
      Row | undefined;
    if (!row) throw new BerthError('NotFound', `namespace "${name}": not found`);
    return toNamespace(row);
  }

  /** Every namespace, by name. */
  list(): Namespace[] {
    return (this.db.prepare('SELECT * FROM namespaces ORDER BY name').all() as Row[]).map(toNamespace);
  }

  /** Replaces a namespace's labels. */
  setLabels(name: string, labels: Record<string, string>): Namespace {
    checkLabels(labels, `namespace "${name}"`);
    this.get(name);
    this.db.prepare('UPDATE namespaces SET labels = ? WHERE name = ?').run(toJson(labels), name);
    return this.get(name);
  }

  /** Deletes an empty namespace; FailedPrecondition naming what it still holds. */
  delete(name: string): void {
    this.db
      .transaction(() => {
        this.get(name);
        for (const table of NAMESPACED_TABLES) {
          const row = this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE namespace = ?`).get(name) as {
            n: number;
          };
          if (row.n > 0)
            throw new BerthError(
              'FailedPrecondition',
              `delete namespace "${name}": it still has ${row.n} ${table}`,
            );
        }
        this.db.prepare('DELETE FROM namespaces WHERE name = ?').run(name);
      })
      .immediate();
  }
}

interface Row {
  name: string;
  labels: string;
  created_at: string;
}

function toNamespace(row: Row): Namespace {
  return { name: row.name, labels: fromJson(row.labels, {}), createdAt: new Date(row.created_at) };
}
