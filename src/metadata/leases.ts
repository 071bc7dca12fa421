// Leases (containerd's leases.Manager): a lease holds resources — content, ingests, snapshots — so that
// garbage collection keeps them while work is in progress, e.g. a pull whose blobs and snapshots are not
// yet referenced by an image. A lease may expire; an expired lease protects nothing and is deleted by
// the next collection. Deleting a lease releases its resources (they go at the next collection unless
// something else references them).
//
// Resource types, as containerd names them: "content" (id = digest), "ingests" (id = the namespace's
// ingest ref), "snapshots/<snapshotter>" (id = the namespace's snapshot key).
import { randomBytes } from 'node:crypto';
import { BerthError } from '../base/errors.js';
import { checkLabels } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import { fromJson, insertOrAlreadyExists, nowText, toJson } from './row-codec.js';

/** A lease. */
export interface Lease {
  /** The lease's id, unique in its namespace. */
  id: string;
  /** Labels. */
  labels: Record<string, string>;
  /** When it was made. */
  createdAt: Date;
  /** When it stops protecting its resources; undefined: never. */
  expiresAt?: Date;
}

/** A resource held by a lease. */
export interface LeaseResource {
  /** "content", "ingests" or "snapshots/<snapshotter>". */
  type: string;
  /** The digest, ref or key. */
  id: string;
}

/** Options for create. */
export interface NewLease {
  /** The id; a random one by default. */
  id?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Expire this many milliseconds from now. */
  ttlMs?: number;
}

const RESOURCE_TYPE = /^(content|ingests|snapshots\/[A-Za-z0-9_.-]+)$/;

/** The leases of one namespace. */
export class Leases {
  constructor(
    private readonly db: SqliteDatabase,
    readonly namespace: string,
    private readonly ensureNamespace: () => void,
  ) {}

  /** Creates a lease; AlreadyExists if the id is taken. */
  create(opts: NewLease = {}): Lease {
    const id = opts.id ?? `lease-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    if (id === '' || id.includes('\0'))
      throw new BerthError('InvalidArgument', 'lease id: must not be empty');
    if (opts.ttlMs !== undefined && (!Number.isFinite(opts.ttlMs) || opts.ttlMs <= 0))
      throw new BerthError(
        'InvalidArgument',
        `lease "${id}": ttl "${opts.ttlMs}" must be a positive number of milliseconds`,
      );
    checkLabels(opts.labels ?? {}, `lease "${id}"`);
    this.ensureNamespace();
    const expires = opts.ttlMs === undefined ? null : new Date(Date.now() + opts.ttlMs).toISOString();
    insertOrAlreadyExists(
      () =>
        this.db
          .prepare(
            'INSERT INTO leases (namespace, id, labels, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(this.namespace, id, toJson(opts.labels ?? {}), nowText(), expires),
      `lease "${id}": already exists`,
    );
    return this.get(id);
  }

  /** One lease; NotFound if absent. */
  get(id: string): Lease {
    const row = this.db
      .prepare('SELECT * FROM leases WHERE namespace = ? AND id = ?')
      .get(this.namespace, id) as Row | undefined;
    if (!row) throw new BerthError('NotFound', `lease "${id}": not found`);
    return toLease(row);
  }

  /** Every lease of the namespace. */
  list(): Lease[] {
    return (
      this.db
        .prepare('SELECT * FROM leases WHERE namespace = ? ORDER BY created_at, id')
        .all(this.namespace) as Row[]
    ).map(toLease);
  }

  /** Deletes a lease and releases its resources; NotFound if absent. */
  delete(id: string): void {
    const result = this.db
      .prepare('DELETE FROM leases WHERE namespace = ? AND id = ?')
      .run(this.namespace, id);
    if (result.changes === 0) throw new BerthError('NotFound', `lease "${id}": not found`);
  }

  /** Adds a resource to a lease (idempotent); NotFound if the lease is absent. */
  addResource(id: string, resource: LeaseResource): void {
    checkResource(resource);
    this.get(id);
    this.db
      .prepare('INSERT OR IGNORE INTO lease_resources (namespace, lease_id, type, id) VALUES (?, ?, ?, ?)')
      .run(this.namespace, id, resource.type, resource.id);
  }

  /** Removes a resource from a lease (idempotent). */
  deleteResource(id: string, resource: LeaseResource): void {
    this.get(id);
    this.db
      .prepare('DELETE FROM lease_resources WHERE namespace = ? AND lease_id = ? AND type = ? AND id = ?')
      .run(this.namespace, id, resource.type, resource.id);
  }

  /** The resources of a lease. */
  listResources(id: string): LeaseResource[] {
    this.get(id);
    return this.db
      .prepare('SELECT type, id FROM lease_resources WHERE namespace = ? AND lease_id = ? ORDER BY type, id')
      .all(this.namespace, id) as LeaseResource[];
  }
}

interface Row {
  id: string;
  labels: string;
  created_at: string;
  expires_at: string | null;
}

function toLease(row: Row): Lease {
  return {
    id: row.id,
    labels: fromJson(row.labels, {}),
    createdAt: new Date(row.created_at),
    ...(row.expires_at !== null ? { expiresAt: new Date(row.expires_at) } : {}),
  };
}

function checkResource(r: LeaseResource): void {
  if (!RESOURCE_TYPE.test(r.type))
    throw new BerthError(
      'InvalidArgument',
      `lease resource type "${r.type}": want "content", "ingests" or "snapshots/<snapshotter>"`,
    );
  if (typeof r.id !== 'string' || r.id === '')
    throw new BerthError('InvalidArgument', `lease resource "${r.type}": id must not be empty`);
}
