// POST /images/create (swagger ImageCreate): a pull, streamed as dockerd streams it —
//   {"status":"Pulling from library/busybox","id":"latest"}
//   per layer (short blob digest): Pulling fs layer | Waiting | Already exists | Downloading (progress) |
//     Verifying Checksum | Download complete | Extracting (progress) | Pull complete
//   {"status":"Digest: sha256:..."}
//   {"status":"Status: Downloaded newer image for busybox:latest"}  or  "Status: Image is up to date for ..."
// Failures before the first message (a bad reference, an unknown manifest, refused credentials) are plain
// error responses with their status; later ones travel in the stream.
import { BerthError } from '../base/errors.js';
import { familiarName, familiarString, isDigest } from '../images/reference/index.js';
import { type Platform, hostPlatform, parsePlatform } from '../images/registry/index.js';
import { type ImageService, type PullEvent, shortId } from '../images/service/index.js';
import type { ApiContext } from './context.js';
import { type JsonMessage, errorMessage, progressOf, statusOf } from './json-progress.js';
import { registryAuth } from './registry-auth.js';
import type { Router } from './router.js';

const LAYER_STATUS: Record<Extract<PullEvent, { kind: 'layer' }>['state'], string> = {
  pulling: 'Pulling fs layer',
  waiting: 'Waiting',
  exists: 'Already exists',
  downloading: 'Downloading',
  retrying: 'Retrying',
  verifying: 'Verifying Checksum',
  downloaded: 'Download complete',
  extracting: 'Extracting',
  complete: 'Pull complete',
};

/** The reference fromImage and tag name together (swagger: a tag overrides fromImage's, a digest wins). */
export function pullReference(fromImage: string, tag: string): string {
  if (fromImage === '') throw new BerthError('InvalidArgument', 'fromImage: must name an image to pull');
  if (fromImage.includes('@') || tag === '') return fromImage;
  const slash = fromImage.lastIndexOf('/');
  const colon = fromImage.lastIndexOf(':');
  const repo = colon > slash ? fromImage.slice(0, colon) : fromImage;
  return isDigest(tag) ? `${repo}@${tag}` : `${repo}:${tag}`;
}

/** A ?platform= value ("linux", "linux/arm64", "linux/arm/v7"); the host's architecture fills in. */
export function platformParam(value: string | null): Platform | undefined {
  if (value === null || value.trim() === '') return undefined;
  return parsePlatform(value.includes('/') ? value : `${value}/${hostPlatform().architecture}`);
}

/** The JSON message for a pull event. */
export function pullMessage(e: PullEvent): JsonMessage {
  if (e.kind === 'start')
    return {
      status: `Pulling from ${familiarName(e.reference)}`,
      id: e.reference.digest ?? e.reference.tag ?? 'latest',
    };
  const id = shortId(e.digest);
  const status = LAYER_STATUS[e.state];
  if (
    (e.state === 'downloading' || e.state === 'extracting') &&
    e.current !== undefined &&
    e.total !== undefined
  )
    return progressOf(id, status, e.current, e.total);
  return statusOf(id, status);
}

/** Adds POST /images/create. */
export function registerImagePull(router: Router, images: ImageService): void {
  router.add('POST', '/images/create', async (ctx: ApiContext) => {
    if (ctx.query.get('fromSrc') !== null)
      throw new BerthError(
        'InvalidArgument',
        'fromSrc: importing a root filesystem tarball is not supported; use "load" for image archives',
      );
    const fromImage = ctx.query.get('fromImage') ?? '';
    const tag = ctx.query.get('tag') ?? '';
    const ref = pullReference(fromImage, tag);
    if (!ref.includes('@') && tag === '' && !/:[^/]+$/.test(ref))
      throw new BerthError('InvalidArgument', `pulling every tag of "${ref}" is not supported: name a tag`);
    const platform = platformParam(ctx.query.get('platform'));
    const credential = registryAuth(ctx.req);
    ctx.req.resume(); // no body is read; let the request end
    let send: ((m: JsonMessage) => void) | undefined;
    const stream = (): ((m: JsonMessage) => void) => (send ??= ctx.startJsonStream());
    try {
      const outcome = await images.pull(ref, {
        ...(platform ? { platform } : {}),
        ...(credential ? { credential } : {}),
        onEvent: (e) => stream()(pullMessage(e)),
      });
      stream()({ status: `Digest: ${outcome.digest}` });
      const shown = familiarString(outcome.reference);
      stream()({
        status: outcome.upToDate
          ? `Status: Image is up to date for ${shown}`
          : `Status: Downloaded newer image for ${shown}`,
      });
    } catch (err) {
      if (send === undefined) throw err;
      send(errorMessage(err));
    }
    ctx.res.end();
  });
}
