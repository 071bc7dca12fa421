// One blob's upload session (spec.md "Pushing blobs"), monolithic or chunked, made robust:
//   - a chunk whose PATCH fails (416 after a partly received retry, or a dropped connection) makes the
//     client ask where the session stands, GET <location> → 204 "Range: 0-<end>", and go on from <end>+1;
//   - a session that cannot go on (the registry forgot it: 404, or any other failure but a refusal) is
//     replaced by a new one, up to the retry policy's attempts.
import { Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../base/errors.js';
import type { RegistryClient } from './client.js';
import type { Endpoint } from './hosts.js';
import { backoffMs } from './http.js';
import type { BlobSource, Descriptor, ProgressEvent } from './types.js';

/** What an upload needs from its push. */
export interface UploadContext {
  client: RegistryClient;
  ep: Endpoint;
  repo: string;
  scopes: string[];
  source: BlobSource;
  /** PATCH chunk size; 0 for one PUT. */
  chunkSize: number;
  emit(d: Descriptor, kind: ProgressEvent['kind'], state: ProgressEvent['state'], done: number): void;
}

/** Most status look-ups in one session: a registry that never advances must not loop for ever. */
const MAX_RESUMES = 50;

/** An upload Location header resolved against the request's URL (it may be relative). */
export function locationOf(value: string | undefined, base: URL, what: string): URL {
  if (value === undefined) throw new BerthError('Unavailable', `${what}: registry sent no upload Location`);
  return new URL(value, base);
}

/** Uploads `d`, in `session` when a mount attempt opened one already. */
export async function uploadBlob(
  ctx: UploadContext,
  d: Descriptor,
  kind: ProgressEvent['kind'],
  session?: URL,
): Promise<void> {
  let location = session;
  for (let attempt = 1; ; attempt++) {
    try {
      location ??= await startSession(ctx, d);
      await sendContent(ctx, d, kind, location);
      ctx.emit(d, kind, 'pushed', d.size);
      return;
    } catch (err) {
      const refused = err instanceof BerthError && err.code === 'PermissionDenied';
      if (refused || attempt >= ctx.client.retry.attempts) throw err;
      ctx.emit(d, kind, 'retrying', 0);
      location = undefined;
      await sleep(backoffMs(ctx.client.retry, attempt));
    }
  }
}

async function startSession(ctx: UploadContext, d: Descriptor): Promise<URL> {
  const res = await ctx.client.send(ctx.ep, ctx.repo, ctx.scopes, {
    method: 'POST',
    path: 'blobs/uploads/',
    headers: { 'content-length': '0' },
  });
  if (res.status !== 202) return ctx.client.fail(res, `blob "${d.digest}": start upload`);
  res.body.resume();
  return locationOf(res.headers.location, res.url, `blob "${d.digest}"`);
}

/** Where a session stands: the next offset it expects, and its current location. */
async function sessionStatus(
  ctx: UploadContext,
  d: Descriptor,
  location: URL,
): Promise<{ next: number; location: URL }> {
  const res = await ctx.client.send(ctx.ep, ctx.repo, ctx.scopes, { method: 'GET', url: location });
  if (res.status !== 204) return ctx.client.fail(res, `blob "${d.digest}": upload status`);
  res.body.resume();
  // distribution writes "0-<size-1>", so an empty session reads "0--1".
  const m = /^0-(-?\d+)$/.exec(String(res.headers.range ?? ''));
  if (m === null) throw new BerthError('Unavailable', `blob "${d.digest}": upload status without a Range`);
  return {
    next: Number(m[1]) + 1,
    location: locationOf(res.headers.location ?? location.href, res.url, `blob "${d.digest}"`),
  };
}

async function sendContent(
  ctx: UploadContext,
  d: Descriptor,
  kind: ProgressEvent['kind'],
  start: URL,
): Promise<void> {
  const what = `blob "${d.digest}"`;
  let location = start;
  if (ctx.chunkSize > 0) {
    let resumes = 0;
    for (let off = 0; off < d.size;) {
      const end = Math.min(off + ctx.chunkSize, d.size);
      const from = off;
      let res;
      try {
        res = await ctx.client.send(ctx.ep, ctx.repo, ctx.scopes, {
          method: 'PATCH',
          url: location,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(end - from),
            'content-range': `${from}-${end - 1}`,
          },
          body: () => counted(ctx, d, kind, from, end),
        });
      } catch (err) {
        if (!(err instanceof BerthError && err.code === 'Unavailable')) throw err;
      }
      if (res?.status === 202) {
        res.body.resume();
        location = locationOf(res.headers.location, res.url, what);
        off = end;
        continue;
      }
      res?.body.resume();
      if (++resumes > MAX_RESUMES) throw new BerthError('Unavailable', `${what}: upload makes no progress`);
      const status = await sessionStatus(ctx, d, location);
      if (status.next > d.size)
        throw new BerthError('Unavailable', `${what}: registry holds more than ${d.size} bytes`);
      if (res !== undefined && res.status !== 416 && status.next === from)
        return ctx.client.fail(res, `${what}: chunk ${from}-${end - 1}`);
      off = status.next;
      location = status.location;
    }
  }
  const final = new URL(location);
  final.searchParams.set('digest', d.digest);
  const whole = ctx.chunkSize === 0;
  const put = await ctx.client.send(ctx.ep, ctx.repo, ctx.scopes, {
    method: 'PUT',
    url: final,
    headers: whole
      ? { 'content-type': 'application/octet-stream', 'content-length': String(d.size) }
      : { 'content-length': '0' },
    ...(whole ? { body: () => counted(ctx, d, kind, 0, d.size) } : {}),
  });
  if (put.status !== 201) return ctx.client.fail(put, `${what}: upload`);
  put.body.resume();
}

/** The blob's bytes [start, end) from the source, reporting progress as they go. */
function counted(
  ctx: UploadContext,
  d: Descriptor,
  kind: ProgressEvent['kind'],
  start: number,
  end: number,
): Readable {
  let sent = start;
  let remaining = end - start;
  const tap = new Transform({
    transform: (chunk: Buffer, _enc, cb) => {
      const part = chunk.subarray(0, remaining);
      remaining -= part.length;
      sent += part.length;
      ctx.emit(d, kind, 'uploading', sent);
      cb(null, part);
    },
  });
  ctx.source.open(d, start).then(
    (s) => {
      s.on('error', (err) => tap.destroy(err));
      s.pipe(tap);
    },
    (err: Error) => tap.destroy(err),
  );
  return tap;
}
