// Unpacking while downloading: the bytes written into the store's ingest are also handed, as they arrive,
// to the caller's unpacker (download → verify → decompress → extract in one pass). The store stays the
// truth: when the live stream cannot be trusted to be the whole blob from byte 0 — the ingest was resumed
// from an earlier run, the blob was already stored, or the download restarted from zero (a server that
// ignored Range, a digest mismatch) — the live unpack is abandoned (its target discarded by the unpacker)
// and the layer is unpacked again from the committed blob. An unpacker failure (a hostile entry) aborts
// the download. Backpressure flows both ways: the download waits while the unpacker is behind.
import { PassThrough } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import { fetchBlob } from './blob-fetch.js';
import type { RegistryClient } from './client.js';
import type { Endpoint } from './hosts.js';
import type { BlobSink, BlobSource, BlobWriter, Descriptor, ProgressListener } from './types.js';

/** A layer and its diff ID, as the unpacker receives it. */
export interface PulledLayer {
  descriptor: Descriptor;
  diffId: string;
}

/** What pull calls to unpack layers during the download. */
export interface LayerUnpacker {
  /**
   * Applies one layer from `blob` (its compressed bytes). Called once per layer, possibly again after an
   * abandoned live attempt; layers may be applied concurrently (overlay-form layers do not depend on each other).
   */
  apply(layer: PulledLayer, blob: AsyncIterable<Buffer>): Promise<void>;
  /** Reads committed blobs, for the cases the live stream cannot serve. */
  source: BlobSource;
}

/** Fetches one layer into `sink` and unpacks it with `unpacker`, live when it can. */
export async function fetchAndUnpack(
  client: RegistryClient,
  eps: Endpoint[],
  repo: string,
  layer: PulledLayer,
  sink: BlobSink,
  unpacker: LayerUnpacker,
  onProgress?: ProgressListener,
): Promise<void> {
  let live: PassThrough | undefined;
  let applied: Promise<void> | undefined;
  let applyError: unknown;
  let abandoned = false;
  const abandon = (why: string): void => {
    if (live === undefined || abandoned) return;
    abandoned = true;
    live.destroy(new BerthError('Unavailable', `live unpack abandoned: ${why}`));
  };
  const teeSink: BlobSink = {
    has: (d) => sink.has(d),
    readBlob: (d) => sink.readBlob(d),
    writer: async (ref, desc): Promise<BlobWriter> => {
      const w = await sink.writer(ref, desc);
      if (w.offset !== 0) return w;
      const stream = new PassThrough({ highWaterMark: 1 << 20 });
      live = stream;
      applied = unpacker.apply(layer, stream);
      applied.catch((err: unknown) => {
        if (!abandoned) applyError = err;
      });
      return {
        get offset() {
          return w.offset;
        },
        async write(chunk) {
          await w.write(chunk);
          if (applyError !== undefined) throw applyError;
          if (abandoned || stream.destroyed) return;
          if (!stream.write(chunk))
            await new Promise<void>((resolve) => {
              // Both listeners go once either fires: a layer waits for drain thousands of times.
              const done = (): void => {
                stream.off('drain', done);
                stream.off('close', done);
                resolve();
              };
              stream.once('drain', done);
              stream.once('close', done);
            });
          if (applyError !== undefined) throw applyError;
        },
        async truncate() {
          await w.truncate();
          abandon('download restarted from byte 0');
        },
        commit: (d, s) => w.commit(d, s),
        close: () => w.close(),
      };
    },
  };
  try {
    await fetchBlob(client, eps, repo, layer.descriptor, teeSink, 'layer', onProgress, sink);
  } catch (err) {
    if (applyError !== undefined) throw applyError;
    abandon('download failed');
    await applied?.catch(() => undefined);
    throw err;
  }
  if (live !== undefined && !abandoned) {
    live.end();
    await applied;
    return;
  }
  await applied?.catch(() => undefined);
  await unpacker.apply(layer, await unpacker.source.open(layer.descriptor));
}
