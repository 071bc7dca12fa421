// The registry client's BlobSink and BlobSource (images/registry/types.ts) over a namespace's content store,
// adding everything a pull touches to its lease:
//
//   has(d)        the namespace has a record of d → the blob joins the lease, "exists"; another namespace
//                 has the blob → this namespace records it too (no download), "exists"; else false
//   writer(r, d)  content writer for ingest ref r expecting d (resumes at the ingest's offset; waits while
//                 another pull of this daemon writes the same blob, then finds it committed)
//   commit        size and digest verified by the content store; a digest mismatch empties the ingest so
//                 that the next attempt does not resume from corrupt bytes
//   open(d, n)    a committed blob from byte n (push, the unpack of a layer that was already stored)
import type { Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import { openWriter, type Writer } from '../../content/index.js';
import type { NamespacedContentStore, Stores } from '../../metadata/index.js';
import type { BlobSink, BlobSource, BlobWriter, Descriptor } from '../registry/index.js';

/** A BlobSink and BlobSource over `stores`' content of namespace `ns`, under lease `lease` when given. */
export class ContentSink implements BlobSink, BlobSource {
  /** The namespaced content store the sink writes to. */
  readonly content: NamespacedContentStore;

  constructor(
    private readonly stores: Stores,
    private readonly ns: string,
    private readonly lease?: string,
  ) {
    this.content = stores.content(ns, lease === undefined ? {} : { lease });
  }

  async has(digest: string): Promise<boolean> {
    // Record check and lease entry under the GC lock, so that no collection falls in between.
    const recorded = await this.stores.gcLock.shared(async () => {
      if (!(await exists(this.content.info(digest)))) return false;
      if (this.lease !== undefined)
        this.stores.leases(this.ns).addResource(this.lease, { type: 'content', id: digest });
      return true;
    });
    if (recorded) return true;
    if (!(await exists(this.stores.blobs.info(digest)))) return false;
    return this.adopt(digest);
  }

  async writer(ref: string, desc: Descriptor): Promise<BlobWriter> {
    let inner: Writer;
    try {
      inner = await openWriter(this.content, { ref, expected: desc.digest, total: desc.size });
    } catch (err) {
      // Committed meanwhile (by another pull, or this namespace adopted another's blob): nothing to fetch.
      if (err instanceof BerthError && err.code === 'AlreadyExists') return completeWriter(desc.size);
      throw err;
    }
    return wrapWriter(inner);
  }

  async readBlob(digest: string): Promise<Buffer> {
    return this.content.readBlob(digest);
  }

  async open(desc: Descriptor, offset = 0): Promise<Readable> {
    return this.content.reader(desc.digest, { offset });
  }

  /** Records another namespace's blob in this one: opening a writer for it records it and says AlreadyExists. */
  private async adopt(digest: string): Promise<boolean> {
    try {
      const w = await this.content.writer({ ref: `adopt-${digest}`, expected: digest });
      await w.close();
      await this.content.abort(`adopt-${digest}`).catch(() => undefined);
      return false; // gone in between: fetch it
    } catch (err) {
      if (err instanceof BerthError && err.code === 'AlreadyExists') return true;
      throw err;
    }
  }
}

async function exists(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (err) {
    if (err instanceof BerthError && err.code === 'NotFound') return false;
    throw err;
  }
}

/** A writer for a blob that is already committed: offset at the end, commit a no-op. */
function completeWriter(size: number): BlobWriter {
  return {
    offset: size,
    write: () => Promise.reject(new BerthError('Internal', 'write to a blob already committed')),
    truncate: async () => undefined,
    commit: async () => undefined,
    close: async () => undefined,
  };
}

function wrapWriter(inner: Writer): BlobWriter {
  return {
    get offset() {
      return inner.offset;
    },
    write: (chunk) => inner.write(chunk),
    truncate: () => inner.truncate(),
    async commit(digest, size) {
      try {
        await inner.commit(size, digest);
      } catch (err) {
        if (err instanceof BerthError && err.code === 'AlreadyExists') return;
        // Bytes that do not hash to the digest are worth nothing: start the next attempt from zero.
        if (err instanceof BerthError && err.code === 'FailedPrecondition')
          await inner.truncate().catch(() => undefined);
        throw err;
      }
    },
    close: () => inner.close(),
  };
}
