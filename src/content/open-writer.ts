// Helpers over any ContentStore: wait for a locked ref (containerd's content.OpenWriter), and write a
// whole blob in one call.
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../base/errors.js';
import type { ContentStore, Digest, Info, Ingester, WriterOptions, Writer } from './types.js';

/** How long openWriter waits between attempts at first, and at most (doubling in between). */
const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 250;

/** Options for openWriter. */
export interface OpenWriterOptions {
  /** Stops waiting (with the signal's reason) when aborted. */
  signal?: AbortSignal;
  /** Gives up with Unavailable after this long; default: wait as long as it takes. */
  timeoutMs?: number;
}

/**
 * Opens a writer, waiting while another writer holds the same ref or digest. When that writer commits,
 * this rejects with AlreadyExists (the blob is there: nothing to do); when it gives up, this takes over
 * the ingest at its offset. This is how concurrent pulls of one layer download it once.
 */
export async function openWriter(
  store: Ingester,
  opts: WriterOptions,
  wait: OpenWriterOptions = {},
): Promise<Writer> {
  const deadline = wait.timeoutMs === undefined ? Infinity : Date.now() + wait.timeoutMs;
  for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
    try {
      return await store.writer(opts);
    } catch (err) {
      if (!(err instanceof BerthError) || err.code !== 'Unavailable' || Date.now() >= deadline) throw err;
    }
    await sleep(delay, undefined, wait.signal ? { signal: wait.signal } : {});
  }
}

/**
 * Writes `data` as one blob (manifests, configs, test fixtures) and returns its info; a blob that is
 * already there is not an error here, its info is returned.
 */
export async function writeBlob(
  store: ContentStore,
  ref: string,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  expected?: { digest?: Digest; size?: number; labels?: Record<string, string> },
): Promise<Info> {
  let writer: Writer;
  const opts: WriterOptions = {
    ref,
    ...(expected?.digest ? { expected: expected.digest } : {}),
    ...(expected?.size ? { total: expected.size } : {}),
    ...(expected?.labels ? { labels: expected.labels } : {}),
  };
  try {
    writer = await openWriter(store, opts);
  } catch (err) {
    if (err instanceof BerthError && err.code === 'AlreadyExists' && expected?.digest)
      return store.info(expected.digest);
    throw err;
  }
  try {
    if (writer.offset > 0) await writer.truncate(); // a whole blob is at hand: no need to trust old bytes
    if (data instanceof Uint8Array) await writer.write(data);
    else for await (const chunk of data) await writer.write(chunk);
    const digest = writer.digest();
    const labels = expected?.labels ? { labels: expected.labels } : {};
    try {
      return await writer.commit(expected?.size ?? 0, expected?.digest, labels);
    } catch (err) {
      if (err instanceof BerthError && err.code === 'AlreadyExists') return store.info(digest);
      throw err;
    }
  } catch (err) {
    // The caller handed us the whole blob, so a failed ingest is worth nothing: leave nothing behind.
    await writer.close();
    await store.abort(ref).catch(() => undefined);
    throw err;
  } finally {
    await writer.close();
  }
}
