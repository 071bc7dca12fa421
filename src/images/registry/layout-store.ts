// A BlobSink and BlobSource over an OCI image layout directory (image-spec image-layout.md):
//
//   <dir>/oci-layout                 {"imageLayoutVersion":"1.0.0"}
//   <dir>/index.json                 written by the caller (writeLayoutIndex) when it has a manifest to name
//   <dir>/blobs/sha256/<hex>         committed blobs
//   <dir>/ingest/<ref>               partial downloads, kept across failures so a later pull resumes them
//
// It is the filesystem implementation tests, benchmarks and `save`-style exports use; the daemon's content
// store (src/content) implements the same interfaces. Commit re-reads the ingest to verify size and digest,
// so a resumed ingest is checked as a whole, then fsyncs and renames it into blobs/.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import { parseDigest } from '../reference/index.js';
import type { BlobSink, BlobSource, BlobWriter, Descriptor } from './types.js';

/** The layout's path for a digest. */
export function blobPath(dir: string, digest: string): string {
  const d = parseDigest(digest);
  return join(dir, 'blobs', d.algorithm, d.hex);
}

class LayoutWriter implements BlobWriter {
  constructor(
    private readonly dir: string,
    private readonly path: string,
    private fh: FileHandle,
    public offset: number,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, done, chunk.length - done, this.offset + done);
      done += bytesWritten;
    }
    this.offset += chunk.length;
  }

  async truncate(): Promise<void> {
    await this.fh.truncate(0);
    this.offset = 0;
  }

  async commit(digest: string, size: number): Promise<void> {
    if (this.offset !== size)
      throw new BerthError(
        'InvalidArgument',
        `commit "${digest}": ingest holds ${this.offset} bytes, expected ${size}`,
      );
    const hash = createHash(parseDigest(digest).algorithm);
    for await (const c of createReadStream(this.path)) hash.update(c as Buffer);
    const got = `${parseDigest(digest).algorithm}:${hash.digest('hex')}`;
    if (got !== digest) {
      await this.truncate();
      throw new BerthError('InvalidArgument', `commit "${digest}": content has digest "${got}"`);
    }
    await this.fh.sync();
    const dest = blobPath(this.dir, digest);
    await mkdir(join(dest, '..'), { recursive: true });
    await rename(this.path, dest);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** An OCI image layout as blob sink and source. */
export class LayoutStore implements BlobSink, BlobSource {
  private constructor(readonly dir: string) {}

  /** Opens (creating when needed) the layout at `dir`. */
  static async open(dir: string): Promise<LayoutStore> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await mkdir(join(dir, 'ingest'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    return new LayoutStore(dir);
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(blobPath(this.dir, digest));
      return true;
    } catch {
      return false;
    }
  }

  async writer(ref: string, desc: Descriptor): Promise<BlobWriter> {
    parseDigest(desc.digest);
    const path = join(this.dir, 'ingest', ref.replace(/[^A-Za-z0-9._-]/g, '_'));
    const fh = await open(path, 'a+');
    const { size } = await fh.stat();
    return new LayoutWriter(this.dir, path, fh, size);
  }

  async readBlob(digest: string): Promise<Buffer> {
    return readFile(blobPath(this.dir, digest));
  }

  async open(desc: Descriptor, offset = 0): Promise<Readable> {
    const path = blobPath(this.dir, desc.digest);
    try {
      await stat(path);
    } catch {
      throw new BerthError('NotFound', `blob "${desc.digest}": not in layout "${this.dir}"`);
    }
    return createReadStream(path, { start: offset });
  }

  /** Bytes held by the ingest `ref` (what a resumed download starts from). */
  async ingestSize(ref: string): Promise<number> {
    try {
      return (await stat(join(this.dir, 'ingest', ref.replace(/[^A-Za-z0-9._-]/g, '_')))).size;
    } catch {
      return 0;
    }
  }
}

/** Writes the layout's index.json naming `manifests` (each with its org.opencontainers.image.ref.name). */
export async function writeLayoutIndex(dir: string, manifests: Descriptor[]): Promise<void> {
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}
