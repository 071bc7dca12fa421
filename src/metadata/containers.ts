// Container records of one namespace: what containerd's containers.Store keeps (id, image, runtime, spec,
// snapshotter and snapshot key, labels, extensions) plus what the Docker API and CRI report about a
// container's life (name, state, pid, exit code, OOM, restart count, times), which berthd records here
// so that it can restart without losing any of it (issue 6: "Container state lives in the metadata DB and
// the shims"). A container's snapshot and image are garbage-collection roots (gc.ts).
import { BerthError } from '../base/errors.js';
import { checkLabels } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import { fromJson, insertOrAlreadyExists, isUniqueViolation, nowText, toDate, toJson } from './row-codec.js';

/** The lifecycle states Docker reports (Engine API ContainerState.Status). */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A container record. */
export interface Container {
  /** The id (64 hex for Docker, any unique string for CRI). */
  id: string;
  /** The unique name in the namespace (Docker's name without "/", CRI's metadata name), if any. */
  name?: string;
  /** The image reference it was made from, as the user gave it. */
  image: string;
  /** The image's target digest at create time, so a retag does not change what the container runs. */
  imageDigest?: string;
  /** The runtime: "berth" (built in) or the name of an OCI runtime binary, and its options. */
  runtime: { name: string; options: Record<string, unknown> };
  /** The OCI runtime spec (config.json) it runs with. */
  spec?: unknown;
  /** The snapshotter and key of its root filesystem. */
  snapshotter?: string;
  snapshotKey?: string;
  /** The CRI pod sandbox it belongs to. */
  sandboxId?: string;
  /** The client's own configuration (Docker Config, CRI ContainerConfig), kept as given. */
  config: Record<string, unknown>;
  /** Docker HostConfig, kept as given. */
  hostConfig: Record<string, unknown>;
  /** Lifecycle state. */
  state: ContainerState;
  /** The container's init pid while it runs. */
  pid?: number;
  /** Exit code of the last run. */
  exitCode?: number;
  /** Whether the last run ended by the OOM killer. */
  oomKilled: boolean;
  /** The error of the last failed start, "" if none. */
  error: string;
  /** Restarts by policy (Docker) or attempts (CRI). */
  restartCount: number;
  /** The log file. */
  logPath?: string;
  /** Labels. */
  labels: Record<string, string>;
  /** Extension data by name (containerd's extensions). */
  extensions: Record<string, unknown>;
  /** Times. */
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

/** What create needs; the rest has defaults. */
export type NewContainer = Pick<Container, 'id' | 'runtime'> &
  Partial<Omit<Container, 'id' | 'runtime' | 'createdAt' | 'updatedAt'>>;

/** The fields update may change (everything but id and createdAt). */
export type ContainerUpdate = Partial<Omit<Container, 'id' | 'createdAt' | 'updatedAt'>>;

const STATES: readonly ContainerState[] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
];

/**
 * The parsed records of one namespace, by id, shared by every Containers view of it (Stores keeps one
 * per namespace). The daemon asks for the same records many times per request and a record's spec alone
 * is kilobytes of JSON; the cache makes a read a map lookup. This process is the only writer of its root
 * (stores.ts), so a record changes only through the methods below, which drop it. Records read or written
 * inside a transaction are not cached, as the transaction may still roll back; cached records are frozen,
 * so that a caller changing one in place fails loudly instead of changing what every other caller sees.
 */
export type ContainerCache = Map<string, Container>;

/** The containers of one namespace. */
export class Containers {
  constructor(
    private readonly db: SqliteDatabase,
    readonly namespace: string,
    private readonly ensureNamespace: () => void,
    private readonly cache: ContainerCache = new Map(),
  ) {}

  /** Creates a container record; AlreadyExists if the id or name is taken. */
  create(c: NewContainer): Container {
    if (typeof c.id !== 'string' || c.id === '')
      throw new BerthError('InvalidArgument', 'container id: must not be empty');
    this.ensureNamespace();
    const now = nowText();
    const full: Container = {
      image: '',
      config: {},
      hostConfig: {},
      state: 'created',
      oomKilled: false,
      error: '',
      restartCount: 0,
      labels: {},
      extensions: {},
      ...c,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    };
    check(full);
    try {
      this.db
        .prepare(
          `INSERT INTO containers (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
        )
        .run(...toRow(this.namespace, full));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const byId = this.db
        .prepare('SELECT 1 FROM containers WHERE namespace = ? AND id = ?')
        .get(this.namespace, c.id);
      throw new BerthError(
        'AlreadyExists',
        byId ? `container "${c.id}": already exists` : `container name "${c.name}": already in use`,
      );
    }
    return this.get(c.id);
  }

  /** One container; NotFound if absent. */
  get(id: string): Container {
    const cached = this.cache.get(id);
    if (cached && !this.db.inTransaction) return cached;
    const row = this.db
      .prepare('SELECT * FROM containers WHERE namespace = ? AND id = ?')
      .get(this.namespace, id) as Row | undefined;
    if (!row) throw new BerthError('NotFound', `container "${id}": not found`);
    return this.remember(fromRow(row));
  }

  /** The container named `name`; NotFound if none. */
  getByName(name: string): Container {
    const row = this.db
      .prepare('SELECT id FROM containers WHERE namespace = ? AND name = ?')
      .get(this.namespace, name) as { id: string } | undefined;
    if (!row) throw new BerthError('NotFound', `container name "${name}": not found`);
    return this.get(row.id);
  }

  /** Every container of the namespace, oldest first, optionally only those with these labels. */
  list(filter: { labels?: Record<string, string>; sandboxId?: string } = {}): Container[] {
    const rows = this.db
      .prepare('SELECT id FROM containers WHERE namespace = ? ORDER BY created_at, id')
      .all(this.namespace) as { id: string }[];
    return rows
      .map((r) => this.get(r.id))
      .filter((c) => filter.sandboxId === undefined || c.sandboxId === filter.sandboxId)
      .filter((c) => Object.entries(filter.labels ?? {}).every(([k, v]) => c.labels[k] === v));
  }

  /**
   * Changes fields of a container (one transaction); NotFound if absent, AlreadyExists for a taken name.
   * Only the changed columns are written and parsed back: the rest of the record is the committed one.
   */
  update(id: string, changes: ContainerUpdate): Container {
    const committed = this.db.inTransaction ? undefined : this.cache.get(id);
    this.cache.delete(id);
    const updated = this.db
      .transaction(() => {
        const current = committed ?? this.get(id);
        const next: Container = { ...current, ...changes, id, updatedAt: new Date() };
        check(next);
        const fields = FIELDS.filter((f) => f.field === 'updatedAt' || f.field in changes);
        const columns = fields.flatMap((f) => f.columns);
        const values = fields.flatMap((f) => f.encode(next));
        let written = 0;
        insertOrAlreadyExists(() => {
          written = this.db
            .prepare(
              `UPDATE containers SET ${columns.map((col) => `${col} = ?`).join(', ')} WHERE namespace = ? AND id = ?`,
            )
            .run(...values, this.namespace, id).changes;
        }, `container name "${next.name}": already in use`);
        if (written === 0) throw new BerthError('NotFound', `container "${id}": not found`);
        // What a read of the row would give: the changed fields decoded from what was just written.
        const row = Object.fromEntries(columns.map((col, i) => [col, values[i]])) as unknown as Row;
        const result: Record<string, unknown> = { ...current };
        for (const f of fields) {
          const value = f.decode(row);
          if (value === undefined) delete result[f.field];
          else result[f.field] = value;
        }
        return result as unknown as Container;
      })
      .immediate();
    return this.remember(updated);
  }

  /** Deletes a container record; NotFound if absent. */
  delete(id: string): void {
    this.cache.delete(id);
    const result = this.db
      .prepare('DELETE FROM containers WHERE namespace = ? AND id = ?')
      .run(this.namespace, id);
    if (result.changes === 0) throw new BerthError('NotFound', `container "${id}": not found`);
  }

  /** Caches a committed record (see ContainerCache); returns it frozen either way. */
  private remember(c: Container): Container {
    deepFreeze(c);
    if (!this.db.inTransaction) this.cache.set(c.id, c);
    return c;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

interface Row {
  id: string;
  name: string | null;
  image: string;
  image_digest: string | null;
  runtime_name: string;
  runtime_options: string;
  spec: string | null;
  snapshotter: string | null;
  snapshot_key: string | null;
  sandbox_id: string | null;
  config: string;
  host_config: string;
  state: ContainerState;
  pid: number | null;
  exit_code: number | null;
  oom_killed: number;
  error: string;
  restart_count: number;
  log_path: string | null;
  labels: string;
  extensions: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

type Value = string | number | null;

/** How one field of a record sits in its row: its columns, and the way there and back. */
interface FieldCodec {
  field: keyof Container;
  columns: readonly (keyof Row)[];
  encode(c: Container): Value[];
  /** The field's value, or undefined when the record leaves it out. */
  decode(r: Row): unknown;
}

/** An optional text or number column. */
function optional<
  K extends
    'name' | 'imageDigest' | 'snapshotter' | 'snapshotKey' | 'sandboxId' | 'pid' | 'exitCode' | 'logPath',
>(field: K, column: keyof Row): FieldCodec {
  return {
    field,
    columns: [column],
    encode: (c) => [(c[field] as Value | undefined) ?? null],
    decode: (r) => r[column] ?? undefined,
  };
}

/** A required column stored as it is. */
function plain<K extends 'id' | 'image' | 'state' | 'error' | 'restartCount'>(
  field: K,
  column: keyof Row,
): FieldCodec {
  return { field, columns: [column], encode: (c) => [c[field]], decode: (r) => r[column] };
}

/** A JSON object column. */
function json<K extends 'config' | 'hostConfig' | 'labels' | 'extensions'>(
  field: K,
  column: keyof Row,
): FieldCodec {
  return {
    field,
    columns: [column],
    encode: (c) => [toJson(c[field])],
    decode: (r) => fromJson(r[column] as string, {}),
  };
}

/** A time column; required ones are always set. */
function time<K extends 'createdAt' | 'updatedAt' | 'startedAt' | 'finishedAt'>(
  field: K,
  column: keyof Row,
): FieldCodec {
  return {
    field,
    columns: [column],
    encode: (c) => [c[field]?.toISOString() ?? null],
    decode: (r) => toDate(r[column] as string | null),
  };
}

/** Every field of a record, in column order. */
const FIELDS: readonly FieldCodec[] = [
  plain('id', 'id'),
  optional('name', 'name'),
  plain('image', 'image'),
  optional('imageDigest', 'image_digest'),
  {
    field: 'runtime',
    columns: ['runtime_name', 'runtime_options'],
    encode: (c) => [c.runtime.name, toJson(c.runtime.options)],
    decode: (r) => ({ name: r.runtime_name, options: fromJson(r.runtime_options, {}) }),
  },
  {
    field: 'spec',
    columns: ['spec'],
    encode: (c) => [c.spec === undefined ? null : JSON.stringify(c.spec)],
    decode: (r) => (r.spec === null ? undefined : (JSON.parse(r.spec) as unknown)),
  },
  optional('snapshotter', 'snapshotter'),
  optional('snapshotKey', 'snapshot_key'),
  optional('sandboxId', 'sandbox_id'),
  json('config', 'config'),
  json('hostConfig', 'host_config'),
  plain('state', 'state'),
  optional('pid', 'pid'),
  optional('exitCode', 'exit_code'),
  {
    field: 'oomKilled',
    columns: ['oom_killed'],
    encode: (c) => [c.oomKilled ? 1 : 0],
    decode: (r) => r.oom_killed !== 0,
  },
  plain('error', 'error'),
  plain('restartCount', 'restart_count'),
  optional('logPath', 'log_path'),
  json('labels', 'labels'),
  json('extensions', 'extensions'),
  time('createdAt', 'created_at'),
  time('updatedAt', 'updated_at'),
  time('startedAt', 'started_at'),
  time('finishedAt', 'finished_at'),
];

const COLUMNS = ['namespace', ...FIELDS.flatMap((f) => f.columns)];

function toRow(namespace: string, c: Container): Value[] {
  return [namespace, ...FIELDS.flatMap((f) => f.encode(c))];
}

function fromRow(r: Row): Container {
  const c: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const value = f.decode(r);
    if (value !== undefined) c[f.field] = value;
  }
  return c as unknown as Container;
}

function check(c: Container): void {
  const owner = `container "${c.id}"`;
  if (!c.runtime || typeof c.runtime.name !== 'string' || c.runtime.name === '')
    throw new BerthError('InvalidArgument', `${owner}: runtime.name must not be empty`);
  if (!STATES.includes(c.state))
    throw new BerthError(
      'InvalidArgument',
      `${owner}: state "${c.state}" is not one of ${STATES.join(', ')}`,
    );
  if (c.name !== undefined && (typeof c.name !== 'string' || c.name === ''))
    throw new BerthError('InvalidArgument', `${owner}: name must not be empty when given`);
  if ((c.snapshotter === undefined) !== (c.snapshotKey === undefined))
    throw new BerthError('InvalidArgument', `${owner}: snapshotter and snapshotKey go together`);
  checkLabels(c.labels, owner);
}
