// One open ingest of the plain store: appends to <ingest>/data while hashing, and commits by fsync +
// rename + directory fsync (see layout.ts). The writer holds the ref's lock (and the expected digest's)
// from open to commit, close or a failed open; nothing else writes the ingest meanwhile.
import { rename, rm, chmod, mkdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BerthError, wrap } from '../base/errors.js';
import { Digester, parseDigest } from './digest.js';
import { pathExists, syncDir } from './durable-fs.js';
import type { ContentLayout } from './layout.js';
import type { HeldLock } from './ref-lock.js';
import type { CommitOptions, Digest, Info, Status, Writer } from './types.js';

/** What an ingest remembers in meta.json. */
export interface IngestMeta {
  /** The digest the blob must have, if known when the ingest started. */
  expected?: Digest;
  /** The total size, 0 when unknown. */
  total: number;
  /** RFC 3339 time of the first open. */
  startedAt: string;
}

/** The plain store's writer. Made by LocalContentStore.writer, which opens the data file and hashes it. */
export class IngestWriter implements Writer {
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly layout: ContentLayout,
    readonly ref: string,
    private readonly dir: string,
    private readonly file: FileHandle,
    private readonly digester: Digester,
    private written: number,
    private readonly meta: IngestMeta,
    private readonly locks: HeldLock[],
  ) {}

  /** Bytes written so far. */
  get offset(): number {
    return this.written;
  }

  /** Appends bytes at the offset; writes are applied in call order. */
  write(chunk: Uint8Array): Promise<void> {
    return this.serialise(async () => {
      this.assertOpen('write');
      if (this.meta.total > 0 && this.written + chunk.length > this.meta.total)
        throw new BerthError(
          'FailedPrecondition',
          `ingest "${this.ref}": write of ${chunk.length} bytes at offset ${this.written} passes the expected size ${this.meta.total}`,
        );
      let done = 0;
      try {
        while (done < chunk.length) {
          const { bytesWritten } = await this.file.write(
            chunk,
            done,
            chunk.length - done,
            this.written + done,
          );
          done += bytesWritten;
        }
      } catch (err) {
        // ENOSPC and friends: the bytes past `written` are not counted, and the next write overwrites them.
        throw wrap(err, `ingest "${this.ref}": write at offset ${this.written}`);
      }
      // Hash only what reached the file, so a failed write leaves offset and digest in step.
      this.digester.update(chunk);
      this.written += chunk.length;
    });
  }

  /** The digest of the bytes written so far. */
  digest(): Digest {
    return this.digester.digest();
  }

  /** The ingest's status. */
  async status(): Promise<Status> {
    const st = await stat(join(this.dir, 'data'));
    return {
      ref: this.ref,
      offset: this.written,
      total: this.meta.total,
      ...(this.meta.expected !== undefined ? { expected: this.meta.expected } : {}),
      startedAt: new Date(this.meta.startedAt),
      updatedAt: st.mtime,
    };
  }

  /** Starts the ingest over from 0 bytes. */
  truncate(): Promise<void> {
    return this.serialise(async () => {
      this.assertOpen('truncate');
      await this.file.truncate(0);
      this.digester.reset();
      this.written = 0;
    });
  }

  /** Verifies, then moves the data into blobs/ durably; see Writer.commit. */
  commit(size: number, expected?: Digest, _opts?: CommitOptions): Promise<Info> {
    return this.serialise(() => this.commitNow(size, expected)).catch((err: unknown) => {
      throw err instanceof BerthError ? err : wrap(err, `commit "${this.ref}"`);
    });
  }

  private async commitNow(size: number, expected: Digest | undefined): Promise<Info> {
    this.assertOpen('commit');
    const actual = this.digester.digest();
    for (const want of [size, this.meta.total])
      if (want > 0 && want !== this.written)
        throw new BerthError(
          'FailedPrecondition',
          `commit "${this.ref}": unexpected size ${this.written}, expected ${want}`,
        );
    for (const want of [expected, this.meta.expected]) {
      if (want === undefined || want === '') continue;
      parseDigest(want, 'expected digest');
      if (want !== actual)
        throw new BerthError(
          'FailedPrecondition',
          `commit "${this.ref}": unexpected digest "${actual}", expected "${want}"`,
        );
    }
    const target = this.layout.blob(actual);
    const data = join(this.dir, 'data');
    await this.file.sync();
    await this.file.close();
    this.closed = true;
    try {
      if (await pathExists(target)) {
        await rm(this.dir, { recursive: true, force: true });
        throw new BerthError('AlreadyExists', `content "${actual}": already exists`);
      }
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await chmod(data, 0o444); // read-only, as containerd leaves blobs: they are never written again
      // rename(2) replaces a target committed by a racing writer of another ref: same bytes, harmless.
      await rename(data, target);
      await syncDir(dirname(target));
      // The blob is durable: the ingest is now only clutter, and a crash here leaves an ingest without
      // data that the next writer of this ref finds committed (AlreadyExists) or starts afresh.
      await rm(this.dir, { recursive: true, force: true });
      const st = await stat(target);
      return { digest: actual, size: st.size, createdAt: st.mtime, updatedAt: st.mtime, labels: {} };
    } finally {
      // Any other failure keeps the ingest on disk for a later writer; the ref is free again either way.
      this.releaseLocks();
    }
  }

  /** Keeps the ingest for later and releases the ref. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
    this.releaseLocks();
  }

  private releaseLocks(): void {
    for (const lock of this.locks) lock.release();
  }

  private assertOpen(verb: string): void {
    if (this.closed) throw new BerthError('FailedPrecondition', `${verb} "${this.ref}": writer is closed`);
  }

  private serialise<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
