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

  /** Changes fields of a container (one transaction); NotFound if absent, AlreadyExists for a taken name. */
  update(id: string, changes: ContainerUpdate): Container {
    this.cache.delete(id);
    const updated = this.db
      .transaction(() => {
        const next: Container = { ...this.get(id), ...changes, id, updatedAt: new Date() };
        check(next);
        const values = toRow(this.namespace, next);
        const assignments = COLUMNS.slice(2)
          .map((col) => `${col} = ?`)
          .join(', ');
        insertOrAlreadyExists(
          () =>
            this.db
              .prepare(`UPDATE containers SET ${assignments} WHERE namespace = ? AND id = ?`)
              .run(...values.slice(2), this.namespace, id),
          `container name "${next.name}": already in use`,
        );
        return this.get(id);
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

const COLUMNS = [
  'namespace',
  'id',
  'name',
  'image',
  'image_digest',
  'runtime_name',
  'runtime_options',
  'spec',
  'snapshotter',
  'snapshot_key',
  'sandbox_id',
  'config',
  'host_config',
  'state',
  'pid',
  'exit_code',
  'oom_killed',
  'error',
  'restart_count',
  'log_path',
  'labels',
  'extensions',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
] as const;

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

function toRow(namespace: string, c: Container): (string | number | null)[] {
  return [
    namespace,
    c.id,
    c.name ?? null,
    c.image,
    c.imageDigest ?? null,
    c.runtime.name,
    toJson(c.runtime.options),
    c.spec === undefined ? null : JSON.stringify(c.spec),
    c.snapshotter ?? null,
    c.snapshotKey ?? null,
    c.sandboxId ?? null,
    toJson(c.config),
    toJson(c.hostConfig),
    c.state,
    c.pid ?? null,
    c.exitCode ?? null,
    c.oomKilled ? 1 : 0,
    c.error,
    c.restartCount,
    c.logPath ?? null,
    toJson(c.labels),
    toJson(c.extensions),
    c.createdAt.toISOString(),
    c.updatedAt.toISOString(),
    c.startedAt?.toISOString() ?? null,
    c.finishedAt?.toISOString() ?? null,
  ];
}

function fromRow(r: Row): Container {
  const optional = {
    name: r.name ?? undefined,
    imageDigest: r.image_digest ?? undefined,
    spec: r.spec === null ? undefined : (JSON.parse(r.spec) as unknown),
    snapshotter: r.snapshotter ?? undefined,
    snapshotKey: r.snapshot_key ?? undefined,
    sandboxId: r.sandbox_id ?? undefined,
    pid: r.pid ?? undefined,
    exitCode: r.exit_code ?? undefined,
    logPath: r.log_path ?? undefined,
    startedAt: toDate(r.started_at),
    finishedAt: toDate(r.finished_at),
  };
  const present = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return {
    id: r.id,
    image: r.image,
    runtime: { name: r.runtime_name, options: fromJson(r.runtime_options, {}) },
    config: fromJson(r.config, {}),
    hostConfig: fromJson(r.host_config, {}),
    state: r.state,
    oomKilled: r.oom_killed !== 0,
    error: r.error,
    restartCount: r.restart_count,
    labels: fromJson(r.labels, {}),
    extensions: fromJson(r.extensions, {}),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    ...present,
  };
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
