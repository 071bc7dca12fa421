// Unpacks one layer blob into a directory, streamed end to end: the compressed bytes are digested as they
// arrive (checked against the descriptor's digest), decompressed, digested again (the diff ID, checked
// against the image config's rootfs.diff_ids: image-spec config.md), and extracted entry by entry while
// the download is still running. Any failure (a refused entry, a corrupt stream, a digest mismatch) empties
// the target, so a half-applied or hostile layer never survives as a snapshot.
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError, wrap } from '../../base/errors.js';
import { parseDigest } from '../reference/index.js';
import { ByteReader } from './byte-reader.js';
import { decompress } from './decompress.js';
import { type ExtractStats, type WhiteoutMode, extractEntries } from './extract.js';
import { layerType, sniffCompression } from './media-types.js';
import { SafeRoot } from './safe-root.js';
import { TarReader } from './tar-reader.js';

/** What to unpack and how. */
export interface UnpackOptions {
  /** The layer descriptor's media type (decides that it is a layer at all; compression is sniffed as docker does). */
  mediaType: string;
  /** overlay: whiteouts in overlayfs form (an overlay snapshot's upper dir); apply: deletions (copy snapshotter). */
  whiteouts: WhiteoutMode;
  /** The blob's digest, checked over the compressed bytes when given. */
  digest?: string | undefined;
  /** The expected diff ID (sha256 of the uncompressed tar), checked when given. */
  diffId?: string | undefined;
  /** Empty the target when unpacking fails (default true). */
  discardOnError?: boolean;
  /** Called with the compressed bytes consumed so far. */
  onBytes?: (compressedBytes: number) => void;
}

/** What an unpack produced. */
export interface UnpackResult extends ExtractStats {
  /** sha256 of the compressed blob. */
  digest: string;
  /** Size of the compressed blob. */
  size: number;
  /** sha256 of the uncompressed tar (rootfs.diff_ids entry). */
  diffId: string;
}

/** Streams `blob` (a layer as stored in a registry) into `targetDir`, which must exist. */
export async function unpackLayer(
  blob: AsyncIterable<Uint8Array>,
  targetDir: string,
  opts: UnpackOptions,
): Promise<UnpackResult> {
  const what = `layer ${opts.digest === undefined ? '' : `"${opts.digest}" `}`.trimEnd();
  // The blob digest is checked in its own algorithm; diff IDs are sha256 (config.md "rootfs").
  const algorithm = opts.digest === undefined ? 'sha256' : parseDigest(opts.digest).algorithm;
  const compressed = createHash(algorithm);
  const uncompressed = createHash('sha256');
  let size = 0;
  const root = new SafeRoot(targetDir);
  const iterator = blob[Symbol.asyncIterator]();
  let bytes: ByteReader | undefined;
  try {
    layerType(opts.mediaType);
    const first = await iterator.next();
    const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
    const counted = async function* (): AsyncGenerator<Buffer> {
      if (head.length > 0) {
        compressed.update(head);
        size += head.length;
        opts.onBytes?.(size);
        yield head;
      }
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
        compressed.update(chunk);
        size += chunk.length;
        opts.onBytes?.(size);
        yield chunk;
      }
    };
    const tarStream = decompress(Readable.from(counted(), { objectMode: false }), sniffCompression(head));
    bytes = new ByteReader(tarStream, (c) => uncompressed.update(c));
    const reader = new TarReader(bytes);
    const stats = await extractEntries(reader, root, opts.whiteouts);
    const digest = `${algorithm}:${compressed.digest('hex')}`;
    const diffId = `sha256:${uncompressed.digest('hex')}`;
    if (opts.digest !== undefined && digest !== opts.digest)
      throw new BerthError('InvalidArgument', `digest mismatch: got "${digest}" (${size} bytes)`);
    if (opts.diffId !== undefined && diffId !== opts.diffId)
      throw new BerthError('InvalidArgument', `diff ID mismatch: expected "${opts.diffId}", got "${diffId}"`);
    return { ...stats, digest, size, diffId };
  } catch (err) {
    // Stop the decompressor (and a zstd child) and the blob stream: nothing may keep running after a refusal.
    await bytes?.close().catch(() => undefined);
    await iterator.return?.();
    if (opts.discardOnError ?? true) discardContents(targetDir);
    throw wrap(err, `unpack ${what}`);
  } finally {
    root.close();
  }
}

/** Removes everything inside `dir`, keeping `dir` itself (its owner created it). */
export function discardContents(dir: string): void {
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}
