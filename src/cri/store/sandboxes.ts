// CRI pod sandboxes in the metadata database's `sandboxes` table (src/metadata/SCHEMA.md "Sandboxes"),
// namespace `k8s.io`. One row per pod attempt: (name, pod namespace, uid, attempt) is unique, as kubelet
// expects of RunPodSandbox. `config` keeps the PodSandboxConfig as given; `created_at` is CRI's
// nanoseconds since the epoch as a decimal string (it sorts as text while the digit count stays 19).
import { BerthError } from '../../base/errors.js';
import { CRI_NAMESPACE, Namespaces, type SqliteDatabase } from '../../metadata/index.js';

/** `ready` while the holder runs and the network is set up; `notready` after stop (or a holder's death). */
export type SandboxState = 'ready' | 'notready';

/** One pod sandbox as stored. */
export interface SandboxRecord {
  id: string;
  name: string;
  podNamespace: string;
  podUid: string;
  attempt: number;
  state: SandboxState;
  runtimeHandler: string;
  /** The holder's pid, while it runs. */
  pid?: number;
  /** The pod's network namespace (none with hostNetwork). */
  netnsPath?: string;
  /** The pod's IPv4 address. */
  ip?: string;
  /** The PodSandboxConfig as given (api.proto), decoded with proto.ts's options. */
  config: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Nanoseconds since the epoch, as a decimal string (CRI's created_at). */
  createdAt: string;
}

interface Row {
  id: string;
  name: string;
  pod_namespace: string;
  pod_uid: string;
  attempt: number;
  state: SandboxState;
  runtime_handler: string;
  pid: number | null;
  netns_path: string | null;
  ip: string | null;
  config: string;
  labels: string;
  annotations: string;
  created_at: string;
}

/** The sandboxes table of namespace k8s.io. */
export class Sandboxes {
  constructor(private readonly db: SqliteDatabase) {
    new Namespaces(db).ensure(CRI_NAMESPACE);
  }

  /** Adds a sandbox; AlreadyExists when the same pod attempt exists. */
  create(rec: SandboxRecord): void {
    const now = new Date().toISOString();
    try {
      this.db
        .prepare(
          `INSERT INTO sandboxes (namespace, id, name, pod_namespace, pod_uid, attempt, state, runtime_handler,
             pid, netns_path, ip, config, labels, annotations, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          CRI_NAMESPACE,
          rec.id,
          rec.name,
          rec.podNamespace,
          rec.podUid,
          rec.attempt,
          rec.state,
          rec.runtimeHandler,
          rec.pid ?? null,
          rec.netnsPath ?? null,
          rec.ip ?? null,
          JSON.stringify(rec.config),
          JSON.stringify(rec.labels),
          JSON.stringify(rec.annotations),
          rec.createdAt,
          now,
        );
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT'))
        throw new BerthError(
          'AlreadyExists',
          `pod sandbox "${rec.name}" (namespace "${rec.podNamespace}", uid "${rec.podUid}", attempt ${rec.attempt}): already exists`,
        );
      throw err;
    }
  }

  /** Changes the state, pid, netns and ip of a sandbox. */
  update(id: string, fields: Partial<Pick<SandboxRecord, 'state' | 'pid' | 'netnsPath' | 'ip'>>): void {
    const cur = this.get(id);
    const next = { ...cur, ...fields };
    this.db
      .prepare(
        `UPDATE sandboxes SET state = ?, pid = ?, netns_path = ?, ip = ?, updated_at = ? WHERE namespace = ? AND id = ?`,
      )
      .run(
        next.state,
        next.pid ?? null,
        next.netnsPath ?? null,
        next.ip ?? null,
        new Date().toISOString(),
        CRI_NAMESPACE,
        id,
      );
  }

  /** The sandbox `id`, or undefined. */
  find(id: string): SandboxRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM sandboxes WHERE namespace = ? AND id = ?')
      .get(CRI_NAMESPACE, id) as Row | undefined;
    return row && fromRow(row);
  }

  /** The sandbox `id`; NotFound names it. */
  get(id: string): SandboxRecord {
    const rec = this.find(id);
    if (!rec) throw new BerthError('NotFound', `pod sandbox "${id}": not found`);
    return rec;
  }

  /** Every sandbox, oldest first. */
  list(): SandboxRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM sandboxes WHERE namespace = ? ORDER BY created_at, id')
      .all(CRI_NAMESPACE) as Row[];
    return rows.map(fromRow);
  }

  /** Removes the row (its containers' rows must be gone). */
  delete(id: string): void {
    this.db.prepare('DELETE FROM sandboxes WHERE namespace = ? AND id = ?').run(CRI_NAMESPACE, id);
  }
}

function fromRow(r: Row): SandboxRecord {
  return {
    id: r.id,
    name: r.name,
    podNamespace: r.pod_namespace,
    podUid: r.pod_uid,
    attempt: r.attempt,
    state: r.state,
    runtimeHandler: r.runtime_handler,
    pid: r.pid ?? undefined,
    netnsPath: r.netns_path ?? undefined,
    ip: r.ip ?? undefined,
    config: JSON.parse(r.config) as Record<string, unknown>,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    createdAt: r.created_at,
  };
}
