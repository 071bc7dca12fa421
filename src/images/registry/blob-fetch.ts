// Downloads one blob into a BlobWriter, verifying while it streams, and resuming after failures.
// A request that fails before or during the body is retried with "Range: bytes=<offset>-" (RFC 9110
// §14.2; spec.md says registries SHOULD support it), so bytes already written are never fetched again;
// a server that answers 200 instead of 206 makes the writer start over. The sha256 is computed over the
// bytes as they arrive when the ingest started empty; a resumed ingest is verified by the writer's commit.
// A blob larger than its descriptor, or with the wrong digest, is thrown away, never committed.
import { type Hash, createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../base/errors.js';
import type { RegistryClient } from './client.js';
import { repoScope } from './client.js';
import { parseDigest } from '../reference/index.js';
import { LAYER_MEDIA_TYPES } from '../unpack/index.js';
import { type Endpoint, isLoopback } from './hosts.js';
import { backoffMs, retriableError } from './http.js';
import type { BlobSink, BlobWriter, Descriptor, ProgressEvent, ProgressListener } from './types.js';

/** Most resumes of one blob: a connection that drops every few kilobytes would otherwise never end. */
const MAX_RESUMES = 200;

/** Fetches `desc` from `repo` on the first endpoint that has it, into `sink`. */
export async function fetchBlob(
  client: RegistryClient,
  eps: Endpoint[],
  repo: string,
  desc: Descriptor,
  sink: BlobSink,
  kind: ProgressEvent['kind'],
  onProgress?: ProgressListener,
  dedupeKey: object = sink,
): Promise<'exists' | 'done'> {
  const emit = (state: ProgressEvent['state'], done: number, message?: string): void =>
    onProgress?.({
      digest: desc.digest,
      kind,
      state,
      done,
      total: desc.size,
      ...(message ? { message } : {}),
    });
  if (await sink.has(desc.digest)) {
    emit('exists', desc.size);
    return 'exists';
  }
  const outcome = await sharedIngest(
    dedupeKey,
    desc.digest,
    sink,
    () => fetchNew(client, eps, repo, desc, sink, kind, emit),
    () => emit('waiting', 0, 'downloaded by another pull'),
  );
  if (outcome === 'exists') emit('exists', desc.size);
  return outcome;
}

/**
 * Runs `ingest` unless another call for the same store (`key`) and digest is running: then waits for that
 * one and reports 'exists' when it stored the blob (or tries itself when it failed). Concurrent pulls of the
 * same blob thus share one download (DESIGN.md "Images"), and never write one ingest twice.
 */
export async function sharedIngest(
  key: object,
  digest: string,
  sink: BlobSink,
  ingest: () => Promise<'done'>,
  onWait?: () => void,
): Promise<'exists' | 'done'> {
  let running = inflight.get(key);
  if (running === undefined) inflight.set(key, (running = new Map()));
  for (let other = running.get(digest); other !== undefined; other = running.get(digest)) {
    onWait?.();
    await other.catch(() => undefined);
    if (await sink.has(digest)) return 'exists';
  }
  const mine = ingest();
  running.set(digest, mine);
  try {
    return await mine;
  } finally {
    if (running.get(digest) === mine) running.delete(digest);
  }
}

/** Downloads in flight, per store (the sink, or what a wrapping sink names) and digest. */
const inflight = new WeakMap<object, Map<string, Promise<'exists' | 'done'>>>();

async function fetchNew(
  client: RegistryClient,
  eps: Endpoint[],
  repo: string,
  desc: Descriptor,
  sink: BlobSink,
  kind: ProgressEvent['kind'],
  emit: Emit,
): Promise<'done'> {
  const writer = await sink.writer(`${kind}-${desc.digest}`, desc);
  try {
    try {
      await client.onEndpoints(eps, (ep) => download(client, ep, repo, desc, writer, emit));
    } catch (err) {
      // A foreign (non-distributable) layer the registry does not hold is fetched from its descriptor's
      // urls (image-spec descriptor.md "urls"; Docker's foreign layers), without credentials.
      const urls = foreignUrls(desc);
      if (!(err instanceof BerthError && err.code === 'NotFound') || urls.length === 0) throw err;
      const places = urls.map((url) => ({ ep: urlEndpoint(url), url }));
      await client.onEndpoints(
        places.map((p) => p.ep),
        (ep) => download(client, ep, repo, desc, writer, emit, places.find((p) => p.ep === ep)?.url),
      );
    }
    emit('verifying', desc.size);
    await writer.commit(desc.digest, desc.size);
    emit('done', desc.size);
    return 'done';
  } catch (err) {
    emit('failed', writer.offset, (err as Error).message);
    throw err;
  } finally {
    await writer.close();
  }
}

type Emit = (state: ProgressEvent['state'], done: number, message?: string) => void;

/** The http(s) urls of a foreign layer's descriptor; none for other blobs. */
function foreignUrls(desc: Descriptor): URL[] {
  if (LAYER_MEDIA_TYPES[desc.mediaType]?.foreign !== true) return [];
  const out: URL[] = [];
  for (const u of desc.urls ?? []) {
    try {
      const url = new URL(u);
      if (url.protocol === 'http:' || url.protocol === 'https:') out.push(url);
    } catch {
      // not a URL: skipped, like a host that does not answer
    }
  }
  return out;
}

/** An endpoint for a plain URL (no registry API behind it); passed over on failure like a mirror. */
function urlEndpoint(url: URL): Endpoint {
  return { base: new URL(url.origin), host: url.host, mirror: true, insecure: isLoopback(url.host) };
}

/** The running digest of the bytes written, when they were all seen here (undefined for a resumed ingest). */
interface HashState {
  hash: Hash | undefined;
}

async function download(
  client: RegistryClient,
  ep: Endpoint,
  repo: string,
  desc: Descriptor,
  w: BlobWriter,
  emit: Emit,
  url?: URL,
): Promise<void> {
  const what =
    url === undefined
      ? `blob "${desc.digest}" of "${ep.host}/${repo}"`
      : `blob "${desc.digest}" from "${url.href}"`;
  const algorithm = parseDigest(desc.digest).algorithm;
  const state: HashState = { hash: w.offset === 0 ? createHash(algorithm) : undefined };
  let failures = 0;
  let resumes = 0;
  let digestRetried = false;
  for (;;) {
    if (w.offset > desc.size) {
      await w.truncate();
      state.hash = createHash(algorithm);
    }
    const complete = w.offset === desc.size && desc.size > 0;
    if (complete && state.hash === undefined) return; // a complete ingest from earlier: the writer's commit verifies it
    if (!complete) {
      const start = w.offset;
      try {
        await transfer(client, { ep, url }, repo, desc, w, state, what, emit);
      } catch (err) {
        const transient =
          retriableError(err) ||
          (err instanceof BerthError && err.code === 'Unavailable' && /truncated/.test(err.message));
        if (!transient) throw err;
        failures = w.offset > start ? 0 : failures + 1;
        if (failures >= client.retry.attempts || ++resumes > MAX_RESUMES)
          throw new BerthError(
            'Unavailable',
            `${what}: ${(err as Error).message} (gave up after ${resumes} attempts)`,
            {
              cause: err,
            },
          );
        emit('retrying', w.offset, (err as Error).message);
        await sleep(backoffMs(client.retry, Math.max(1, failures)));
        continue;
      }
    }
    if (state.hash === undefined) return;
    const got = `${algorithm}:${state.hash.digest('hex')}`;
    if (got === desc.digest) return;
    // Corrupt bytes are discarded; one fresh download may help (a flaky proxy), a second mismatch is final.
    await w.truncate();
    state.hash = createHash(algorithm);
    if (digestRetried) throw new BerthError('InvalidArgument', `${what}: digest mismatch: got "${got}"`);
    digestRetried = true;
    emit('retrying', 0, `digest mismatch: got "${got}"`);
  }
}

/** One GET from the writer's offset to the end. Retriable failures are network errors or "truncated" ones. */
async function transfer(
  client: RegistryClient,
  { ep, url }: { ep: Endpoint; url: URL | undefined },
  repo: string,
  desc: Descriptor,
  w: BlobWriter,
  state: HashState,
  what: string,
  emit: Emit,
): Promise<void> {
  const start = w.offset;
  const algorithm = parseDigest(desc.digest).algorithm;
  const headers: Record<string, string> = { accept: '*/*' };
  if (start > 0) headers.range = `bytes=${start}-`;
  const req =
    url === undefined
      ? { method: 'GET', path: `blobs/${desc.digest}`, headers }
      : { method: 'GET', url, headers };
  const res = await client.send(ep, repo, [repoScope(repo, ['pull'])], req, (why) =>
    emit('retrying', start, why),
  );
  if (res.status === 416 && start === desc.size) {
    res.body.resume();
    return;
  }
  if (res.status !== 200 && res.status !== 206) await client.fail(res, what);
  if (res.status === 200 && start > 0) {
    // The server ignored the Range: start over (RFC 9110 allows it).
    await w.truncate();
    state.hash = createHash(algorithm);
  } else if (res.status === 206) {
    const range = String(res.headers['content-range'] ?? '');
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(range);
    if (m === null || Number(m[1]) !== start) {
      res.body.destroy();
      throw new BerthError(
        'Unavailable',
        `${what}: registry answered a range request with "Content-Range: ${range}"`,
      );
    }
  }
  emit('downloading', w.offset);
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (w.offset + chunk.length > desc.size) {
      res.body.destroy();
      await w.truncate();
      state.hash = createHash(algorithm);
      throw new BerthError(
        'InvalidArgument',
        `${what}: registry sent more than the ${desc.size} bytes the descriptor gives`,
      );
    }
    state.hash?.update(chunk);
    await w.write(chunk);
    emit('downloading', w.offset);
  }
  if (w.offset < desc.size)
    throw new BerthError('Unavailable', `${what}: body truncated at ${w.offset} of ${desc.size} bytes`);
}
