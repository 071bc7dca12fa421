// Manifest GET and HEAD (spec.md "Pulling manifests"): the Accept header lists every type we understand;
// the body's digest is computed here and must equal the digest asked for (a reference by digest) and
// the Docker-Content-Digest the registry claims, if it sends one.
import { createHash } from 'node:crypto';
import { BerthError } from '../../base/errors.js';
import type { RegistryClient } from './client.js';
import { repoScope } from './client.js';
import type { Endpoint } from './hosts.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, readBody, retriableError } from './http.js';
import { parseDigest } from '../reference/index.js';
import { MANIFEST_ACCEPT } from './media-types.js';

/** Manifests larger than this are refused (containerd's limit is 4 MiB as well). */
export const MANIFEST_LIMIT = 4 << 20;

/** A manifest as fetched. */
export interface FetchedManifest {
  bytes: Buffer;
  /** The response's Content-Type (parameters dropped). */
  contentType: string;
  /** sha256 of the bytes. */
  digest: string;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A Content-Type without parameters. */
function contentTypeOf(v: string | string[] | undefined): string {
  return (header(v) ?? '').split(';')[0]?.trim() ?? '';
}

/** GETs manifests/<reference> (a tag or a digest) of `repo`; `what` names it in errors. */
export async function getManifest(
  client: RegistryClient,
  ep: Endpoint,
  repo: string,
  reference: string,
  what: string,
): Promise<FetchedManifest> {
  // sendWithRetries covers failures up to the response headers; a body cut short is retried here.
  for (let attempt = 1; ; attempt++) {
    try {
      return await getManifestOnce(client, ep, repo, reference, what);
    } catch (err) {
      if (attempt >= client.retry.attempts || !retriableError(err)) throw err;
      await sleep(backoffMs(client.retry, attempt));
    }
  }
}

async function getManifestOnce(
  client: RegistryClient,
  ep: Endpoint,
  repo: string,
  reference: string,
  what: string,
): Promise<FetchedManifest> {
  const res = await client.send(ep, repo, [repoScope(repo, ['pull'])], {
    method: 'GET',
    path: `manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
  });
  if (res.status !== 200) return client.fail(res, what);
  const bytes = await readBody(res, MANIFEST_LIMIT);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (reference.includes(':')) {
    // By digest: the content must hash to it, in the reference's own algorithm (descriptor.md "Verification").
    const algorithm = parseDigest(reference).algorithm;
    const got = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (got !== reference)
      throw new BerthError('InvalidArgument', `${what}: registry sent content with digest "${got}"`);
    return { bytes, contentType: contentTypeOf(res.headers['content-type']), digest: reference };
  }
  const claimed = header(res.headers['docker-content-digest']);
  if (claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest)
    throw new BerthError(
      'InvalidArgument',
      `${what}: Docker-Content-Digest "${claimed}" does not match the content ("${digest}")`,
    );
  return { bytes, contentType: contentTypeOf(res.headers['content-type']), digest };
}

/** HEADs manifests/<reference>: its digest, media type and size, without the body (falls back to GET when the registry sends no digest). */
export async function headManifest(
  client: RegistryClient,
  ep: Endpoint,
  repo: string,
  reference: string,
  what: string,
): Promise<{ digest: string; mediaType: string; size: number }> {
  const res = await client.send(ep, repo, [repoScope(repo, ['pull'])], {
    method: 'HEAD',
    path: `manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
  });
  res.body.resume();
  if (res.status === 404) throw new BerthError('NotFound', `${what}: manifest unknown`);
  if (res.status !== 200) return client.fail(res, what);
  const digest = header(res.headers['docker-content-digest']);
  if (digest === undefined) {
    const m = await getManifest(client, ep, repo, reference, what);
    return { digest: m.digest, mediaType: m.contentType, size: m.bytes.length };
  }
  return {
    digest,
    mediaType: contentTypeOf(res.headers['content-type']),
    size: Number(header(res.headers['content-length']) ?? -1),
  };
}
