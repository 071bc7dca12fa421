// The plain content store: blobs and ingests in a directory tree (layout.ts), shared by every namespace.
// It keeps no labels; the metadata store adds them (and namespaces) on top of it.
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { BerthError, wrap } from '../base/errors.js';
import { CANONICAL_ALGORITHM, Digester, parseDigest, type Algorithm } from './digest.js';
import { pathExists, syncDir } from './durable-fs.js';
import { IngestWriter, type IngestMeta } from './ingest-writer.js';
import { ContentLayout } from './layout.js';
import { LockDir, type HeldLock } from './ref-lock.js';
import type { ContentStore, Digest, Info, Status, Writer, WriterOptions } from './types.js';

const MAX_REF_LENGTH = 1024;

/** ingest/.new-* directories this process is creating right now: not crash leftovers. */
const creating = new Set<string>();

/** Content blobs and ingests under `<root>/content` (see layout.ts). */
export class LocalContentStore implements ContentStore {
  /** The store's paths. */
  readonly layout: ContentLayout;
  private readonly locks: LockDir;

  constructor(root: string) {
    this.layout = new ContentLayout(root);
    this.locks = new LockDir(this.layout.locks);
  }

  /** Info of a committed blob. */
  async info(digest: Digest): Promise<Info> {
    const path = this.layout.blob(digest);
    try {
      const st = await stat(path);
      return { digest, size: st.size, createdAt: st.mtime, updatedAt: st.mtime, labels: {} };
    } catch (err) {
      throw notFoundOr(err, digest);
    }
  }

  /** Every committed blob. */
  async list(): Promise<Info[]> {
    const infos: Info[] = [];
    for (const algorithm of await readdirOrEmpty(this.layout.blobs)) {
      for (const hex of await readdirOrEmpty(join(this.layout.blobs, algorithm))) {
        const digest = `${algorithm}:${hex}`;
        try {
          parseDigest(digest);
          infos.push(await this.info(digest));
        } catch {
          continue; // a stray file or one deleted meanwhile is not a blob
        }
      }
    }
    return infos;
  }

  /** The plain store has no labels: they live in the metadata store, per namespace. */
  async update(info: Pick<Info, 'digest' | 'labels'>, _fieldpaths?: string[]): Promise<Info> {
    const current = await this.info(info.digest);
    if (Object.keys(info.labels).length > 0)
      throw new BerthError(
        'FailedPrecondition',
        `content "${info.digest}": labels are kept by the metadata store, not the plain content store`,
      );
    return current;
  }

  /** Removes a blob. */
  async delete(digest: Digest): Promise<void> {
    const path = this.layout.blob(digest);
    try {
      await unlink(path);
    } catch (err) {
      throw notFoundOr(err, digest);
    }
  }

  /** A stream of a blob's bytes from `offset`. */
  async reader(digest: Digest, opts: { offset?: number } = {}): Promise<Readable> {
    const info = await this.info(digest);
    const start = opts.offset ?? 0;
    if (!Number.isInteger(start) || start < 0 || start > info.size)
      throw new BerthError('InvalidArgument', `read "${digest}": offset ${start} outside 0..${info.size}`);
    return createReadStream(this.layout.blob(digest), { start });
  }

  /** A whole blob in memory. */
  async readBlob(digest: Digest): Promise<Buffer> {
    const path = this.layout.blob(digest);
    try {
      return await readFile(path);
    } catch (err) {
      throw notFoundOr(err, digest);
    }
  }

  /** Re-hashes a committed blob; FailedPrecondition when its bytes no longer match its name. */
  async verify(digest: Digest): Promise<void> {
    const { algorithm } = parseDigest(digest);
    const digester = new Digester(algorithm);
    for await (const chunk of await this.reader(digest)) digester.update(chunk as Buffer);
    const actual = digester.digest();
    if (actual !== digest)
      throw new BerthError(
        'FailedPrecondition',
        `content "${digest}": corrupt, its bytes hash to "${actual}"`,
      );
  }

  /**
   * Re-hashes every blob (after a crash, or as a check of the disk) and returns those whose bytes no longer
   * match their digest; with `remove`, deletes them, so that the next pull fetches them again.
   */
  async verifyAll(opts: { remove?: boolean } = {}): Promise<{ checked: number; corrupt: Digest[] }> {
    const corrupt: Digest[] = [];
    const infos = await this.list();
    for (const { digest } of infos) {
      try {
        await this.verify(digest);
      } catch (err) {
        if (!(err instanceof BerthError && err.code === 'FailedPrecondition')) throw err;
        corrupt.push(digest);
        if (opts.remove) await this.delete(digest);
      }
    }
    return { checked: infos.length, corrupt };
  }

  /** Opens or resumes the ingest `opts.ref`. */
  async writer(opts: WriterOptions): Promise<Writer> {
    const ref = checkRef(opts.ref);
    const total = checkTotal(opts.total);
    const algorithm: Algorithm = opts.expected
      ? parseDigest(opts.expected, 'expected digest').algorithm
      : CANONICAL_ALGORITHM;
    if (opts.expected && (await this.has(opts.expected))) {
      await this.removeIngestIfFree(ref); // an ingest of this ref can only be a crashed commit's leftover
      throw alreadyExists(opts.expected);
    }
    const held: HeldLock[] = [];
    try {
      held.push(this.lock(`ref ${ref}`, `ingest "${ref}": locked by another writer`));
      if (opts.expected)
        held.push(
          this.lock(`digest ${opts.expected}`, `content "${opts.expected}": being written by another ingest`),
        );
      const dir = this.layout.ingest(ref);
      // Committed while we waited for the lock, or by a writer that crashed after its rename.
      if (opts.expected && (await this.has(opts.expected))) {
        await rm(dir, { recursive: true, force: true });
        throw alreadyExists(opts.expected);
      }
      const meta = await this.openIngest(dir, ref, opts.expected, total);
      const digester = new Digester(meta.expected ? parseDigest(meta.expected).algorithm : algorithm);
      const file = await open(join(dir, 'data'), 'r+');
      try {
        let offset = 0;
        // Resume: the hash state is not kept on disk, so hash what an earlier writer left.
        for await (const chunk of file.createReadStream({ autoClose: false, start: 0 })) {
          digester.update(chunk as Buffer);
          offset += (chunk as Buffer).length;
        }
        if (meta.total > 0 && offset > meta.total) {
          await file.truncate(0); // more than the blob can hold: none of it can be right
          digester.reset();
          offset = 0;
        }
        return new IngestWriter(this.layout, ref, dir, file, digester, offset, meta, held);
      } catch (err) {
        await file.close();
        throw err;
      }
    } catch (err) {
      for (const lock of held) lock.release();
      throw err;
    }
  }

  /** The status of one ingest. */
  async status(ref: string): Promise<Status> {
    const status = await this.readStatus(this.layout.ingest(checkRef(ref)));
    if (status === null || status.ref !== ref) throw new BerthError('NotFound', `ingest "${ref}": not found`);
    return status;
  }

  /** Every ingest whose ref starts with `refPrefix`. */
  async listStatuses(refPrefix = ''): Promise<Status[]> {
    const statuses: Status[] = [];
    for (const name of await readdirOrEmpty(this.layout.ingests)) {
      if (name.startsWith('.')) continue;
      const status = await this.readStatus(join(this.layout.ingests, name));
      if (status !== null && status.ref.startsWith(refPrefix)) statuses.push(status);
    }
    return statuses;
  }

  /** Removes an ingest that no writer holds. */
  async abort(ref: string): Promise<void> {
    checkRef(ref);
    const lock = this.lock(`ref ${ref}`, `abort "${ref}": ingest is held by a writer`);
    try {
      const dir = this.layout.ingest(ref);
      if (!(await pathExists(dir))) throw new BerthError('NotFound', `ingest "${ref}": not found`);
      await rm(dir, { recursive: true, force: true });
    } finally {
      lock.release();
    }
  }

  /**
   * Removes ingest directories a crash left half-created (ingest/.new-*), except those this process is
   * creating now; returns how many. One process owns a root, so another's creations are not considered.
   */
  async removeIncompleteIngests(): Promise<number> {
    let removed = 0;
    for (const name of await readdirOrEmpty(this.layout.ingests)) {
      if (!name.startsWith('.new-') || creating.has(join(this.layout.ingests, name))) continue;
      await rm(join(this.layout.ingests, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  private async removeIngestIfFree(ref: string): Promise<void> {
    const lock = this.locks.tryAcquire(`ref ${ref}`);
    if (lock === null) return;
    try {
      await rm(this.layout.ingest(ref), { recursive: true, force: true });
    } finally {
      lock.release();
    }
  }

  private async has(digest: Digest): Promise<boolean> {
    return pathExists(this.layout.blob(digest));
  }

  private lock(name: string, busyMessage: string): HeldLock {
    const lock = this.locks.tryAcquire(name);
    if (lock === null) throw new BerthError('Unavailable', busyMessage);
    return lock;
  }

  /** Creates the ingest directory if needed (atomically, by rename) and returns its meta. */
  private async openIngest(
    dir: string,
    ref: string,
    expected: Digest | undefined,
    total: number,
  ): Promise<IngestMeta> {
    let meta: IngestMeta | null = null;
    try {
      meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as IngestMeta;
      await stat(join(dir, 'data'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
      meta = null; // absent, or left without data by a commit that crashed after its rename
    }
    if (meta !== null) {
      if (expected && meta.expected && expected !== meta.expected)
        throw new BerthError(
          'FailedPrecondition',
          `ingest "${ref}": expected digest "${expected}" differs from the ingest's "${meta.expected}"`,
        );
      if (total > 0 && meta.total > 0 && total !== meta.total)
        throw new BerthError(
          'FailedPrecondition',
          `ingest "${ref}": expected size ${total} differs from the ingest's ${meta.total}`,
        );
      if ((expected && !meta.expected) || (total > 0 && meta.total === 0)) {
        meta = { ...meta, ...(expected ? { expected } : {}), total: total || meta.total };
        await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
      }
      return meta;
    }
    meta = { ...(expected ? { expected } : {}), total, startedAt: new Date().toISOString() };
    await rm(dir, { recursive: true, force: true });
    await mkdir(this.layout.ingests, { recursive: true, mode: 0o700 });
    const tmp = join(this.layout.ingests, `.new-${randomBytes(8).toString('hex')}`);
    creating.add(tmp);
    try {
      await mkdir(tmp, { mode: 0o700 });
      await writeFile(join(tmp, 'ref'), ref);
      await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta));
      await writeFile(join(tmp, 'data'), '');
      await rename(tmp, dir);
      await syncDir(this.layout.ingests);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw wrap(err, `ingest "${ref}"`);
    } finally {
      creating.delete(tmp);
    }
    return meta;
  }

  private async readStatus(dir: string): Promise<Status | null> {
    try {
      const ref = await readFile(join(dir, 'ref'), 'utf8');
      const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as IngestMeta;
      const data = await stat(join(dir, 'data'));
      return {
        ref,
        offset: data.size,
        total: meta.total,
        ...(meta.expected !== undefined ? { expected: meta.expected } : {}),
        startedAt: new Date(meta.startedAt),
        updatedAt: data.mtime,
      };
    } catch {
      return null; // gone meanwhile, or a commit's leftover without data
    }
  }
}

function checkRef(ref: string): string {
  if (typeof ref !== 'string' || ref === '')
    throw new BerthError('InvalidArgument', 'ingest ref: must not be empty');
  if (ref.length > MAX_REF_LENGTH || ref.includes('\0'))
    throw new BerthError('InvalidArgument', `ingest ref "${ref.slice(0, 64)}": too long or holds a NUL byte`);
  return ref;
}

function checkTotal(total: number | undefined): number {
  if (total === undefined) return 0;
  if (!Number.isSafeInteger(total) || total < 0)
    throw new BerthError('InvalidArgument', `ingest total "${total}": want a size in bytes (0 = unknown)`);
  return total;
}

function alreadyExists(digest: Digest): BerthError {
  return new BerthError('AlreadyExists', `content "${digest}": already exists`);
}

function notFoundOr(err: unknown, digest: Digest): BerthError {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT')
    return new BerthError('NotFound', `content "${digest}": not found`);
  return wrap(err, `content "${digest}"`);
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
