// The content store as one namespace sees it (containerd's metadata/content.go): the plain store's blobs,
// shared by all namespaces, plus this namespace's records of them (content table: size and labels). A
// blob is visible in a namespace only while the namespace has a record of it; deleting the record leaves
// the blob to garbage collection, which removes it once no namespace records or references it.
//
// Ingest refs are the namespace's own: the plain store sees "<namespace>/<ref>". When a writer is opened
// for a digest the plain store already holds (another namespace pulled it), the record is made at once
// and the writer fails with AlreadyExists, so the bytes are not fetched twice (containerd's "shared"
// policy). Under a lease, committed content and open ingests are added to the lease; a writer opened for
// an expected digest leases that digest at once, so a crash between the blob's rename into the store and
// its record leaves a blob the lease still keeps (the next pull records it instead of fetching it again).
import type { Readable } from 'node:stream';
import { BerthError } from '../base/errors.js';
import type {
  CommitOptions,
  ContentStore,
  Digest,
  Info,
  LocalContentStore,
  Status,
  Writer,
  WriterOptions,
} from '../content/index.js';
import { applyLabelPaths, checkLabels } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import type { GcLock } from './gc-lock.js';
import { fromJson, nowText, toJson } from './row-codec.js';

/** What a namespaced view needs from its owner. */
export interface NamespaceContext {
  db: SqliteDatabase;
  namespace: string;
  gcLock: GcLock;
  /** Makes the namespace exist. */
  ensureNamespace(): void;
  /** Adds a resource to the current lease, if there is one (in the caller's transaction). */
  leaseResource(type: string, id: string): void;
}

/** One namespace's content store over the shared plain store. */
export class NamespacedContentStore implements ContentStore {
  constructor(
    private readonly backend: LocalContentStore,
    private readonly ctx: NamespaceContext,
  ) {}

  /** The record of a blob in this namespace. */
  async info(digest: Digest): Promise<Info> {
    const row = this.row(digest);
    if (!row) {
      await this.backend.info(digest); // a malformed digest is InvalidArgument, as in the plain store
      throw notFound(digest);
    }
    return toInfo(row);
  }

  /** This namespace's blobs. */
  async list(): Promise<Info[]> {
    return (
      this.ctx.db
        .prepare('SELECT * FROM content WHERE namespace = ? ORDER BY digest')
        .all(this.ctx.namespace) as Row[]
    ).map(toInfo);
  }

  /** Updates labels of this namespace's record. */
  async update(info: Pick<Info, 'digest' | 'labels'>, fieldpaths?: string[]): Promise<Info> {
    const current = await this.info(info.digest);
    const labels = checkLabels(
      applyLabelPaths(current.labels, info.labels, fieldpaths),
      `content "${info.digest}"`,
    );
    this.ctx.db
      .prepare('UPDATE content SET labels = ?, updated_at = ? WHERE namespace = ? AND digest = ?')
      .run(toJson(labels), nowText(), this.ctx.namespace, info.digest);
    return this.info(info.digest);
  }

  /** Removes this namespace's record; the blob goes at the next collection if nothing else holds it. */
  async delete(digest: Digest): Promise<void> {
    await this.info(digest);
    this.ctx.db
      .prepare('DELETE FROM content WHERE namespace = ? AND digest = ?')
      .run(this.ctx.namespace, digest);
  }

  /** Reads a blob this namespace has. */
  async reader(digest: Digest, opts?: { offset?: number }): Promise<Readable> {
    await this.info(digest);
    return this.backend.reader(digest, opts);
  }

  /** Reads a whole blob this namespace has. */
  async readBlob(digest: Digest): Promise<Buffer> {
    await this.info(digest);
    return this.backend.readBlob(digest);
  }

  /** Opens a writer; see the file comment for shared blobs and leases. */
  async writer(opts: WriterOptions): Promise<Writer> {
    if (typeof opts.ref !== 'string' || opts.ref === '')
      throw new BerthError('InvalidArgument', 'ingest ref: must not be empty');
    const labels = checkLabels(opts.labels ?? {}, `ingest "${opts.ref}"`);
    if (opts.expected) {
      if (this.row(opts.expected)) {
        // Already here: under a lease, hold it for the rest of the pull (containerd does the same).
        this.ctx.db.transaction(() => this.ctx.leaseResource('content', opts.expected!)).immediate();
        throw alreadyExists(opts.expected);
      }
      const shared = await this.ctx.gcLock.shared(async () => {
        const info = await this.backend.info(opts.expected!).catch(() => null);
        if (info === null) return false;
        this.ctx.db.transaction(() => this.record(info.digest, info.size, labels)).immediate();
        return true;
      });
      if (shared) throw alreadyExists(opts.expected);
    }
    const inner = await this.backend
      .writer({ ...opts, ref: this.backendRef(opts.ref) })
      .catch((err: unknown) => Promise.reject(renameRef(err, this.backendRef(opts.ref), opts.ref)));
    try {
      this.ctx.db
        .transaction(() => {
          this.ctx.leaseResource('ingests', opts.ref);
          if (opts.expected) this.ctx.leaseResource('content', opts.expected);
        })
        .immediate();
    } catch (err) {
      await inner.close();
      throw err;
    }
    return new NamespacedWriter(inner, opts.ref, labels, this);
  }

  /** An ingest's status, by this namespace's ref. */
  async status(ref: string): Promise<Status> {
    try {
      return { ...(await this.backend.status(this.backendRef(ref))), ref };
    } catch (err) {
      throw renameRef(err, this.backendRef(ref), ref);
    }
  }

  /** This namespace's ingests. */
  async listStatuses(refPrefix = ''): Promise<Status[]> {
    const prefix = this.backendRef('');
    const all = await this.backend.listStatuses(prefix + refPrefix);
    return all.map((s) => ({ ...s, ref: s.ref.slice(prefix.length) }));
  }

  /** Removes one of this namespace's ingests. */
  async abort(ref: string): Promise<void> {
    await this.backend
      .abort(this.backendRef(ref))
      .catch((err: unknown) => Promise.reject(renameRef(err, this.backendRef(ref), ref)));
  }

  /** Commits `inner` and records the blob (and lease resource) before any collection can see the gap. */
  async commitWriter(
    inner: Writer,
    size: number,
    expected: Digest | undefined,
    labels: Record<string, string>,
  ): Promise<Info> {
    return this.ctx.gcLock.shared(async () => {
      let info: Info;
      try {
        info = await inner.commit(size, expected);
      } catch (err) {
        if (!(err instanceof BerthError && err.code === 'AlreadyExists')) throw err;
        const digest = inner.digest();
        info = await this.backend.info(digest);
        if (this.row(digest)) throw err; // this namespace has it already: AlreadyExists as containerd says
      }
      this.ctx.db.transaction(() => this.record(info.digest, info.size, labels)).immediate();
      return this.info(info.digest);
    });
  }

  /** Inserts or refreshes this namespace's record of a blob and adds it to the lease (in a transaction). */
  private record(digest: Digest, size: number, labels: Record<string, string>): void {
    this.ctx.ensureNamespace();
    const now = nowText();
    this.ctx.db
      .prepare(
        `INSERT INTO content (namespace, digest, size, labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, digest) DO UPDATE SET labels = excluded.labels, updated_at = excluded.updated_at`,
      )
      .run(this.ctx.namespace, digest, size, toJson(labels), now, now);
    this.ctx.leaseResource('content', digest);
  }

  private row(digest: Digest): Row | undefined {
    return this.ctx.db
      .prepare('SELECT * FROM content WHERE namespace = ? AND digest = ?')
      .get(this.ctx.namespace, digest) as Row | undefined;
  }

  private backendRef(ref: string): string {
    return `${this.ctx.namespace}/${ref}`;
  }
}

/** A plain-store writer that records the blob in the namespace on commit. */
class NamespacedWriter implements Writer {
  constructor(
    private readonly inner: Writer,
    readonly ref: string,
    private readonly labels: Record<string, string>,
    private readonly store: NamespacedContentStore,
  ) {}

  get offset(): number {
    return this.inner.offset;
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.inner
      .write(chunk)
      .catch((err: unknown) => Promise.reject(renameRef(err, this.inner.ref, this.ref)));
  }

  digest(): Digest {
    return this.inner.digest();
  }

  async status(): Promise<Status> {
    return { ...(await this.inner.status()), ref: this.ref };
  }

  truncate(): Promise<void> {
    return this.inner.truncate();
  }

  commit(size: number, expected?: Digest, opts?: CommitOptions): Promise<Info> {
    const labels = checkLabels({ ...this.labels, ...(opts?.labels ?? {}) }, `ingest "${this.ref}"`);
    return this.store
      .commitWriter(this.inner, size, expected, labels)
      .catch((err: unknown) => Promise.reject(renameRef(err, this.inner.ref, this.ref)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Row {
  digest: string;
  size: number;
  labels: string;
  created_at: string;
  updated_at: string;
}

function toInfo(row: Row): Info {
  return {
    digest: row.digest,
    size: row.size,
    labels: fromJson(row.labels, {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Errors of the plain store name its ref ("<namespace>/<ref>"); the caller knows only its own. */
function renameRef(err: unknown, backendRef: string, ref: string): unknown {
  if (!(err instanceof BerthError)) return err;
  return new BerthError(err.code, err.message.split(`"${backendRef}"`).join(`"${ref}"`), { cause: err });
}

function notFound(digest: Digest): BerthError {
  return new BerthError('NotFound', `content "${digest}": not found`);
}

function alreadyExists(digest: Digest): BerthError {
  return new BerthError('AlreadyExists', `content "${digest}": already exists`);
}
