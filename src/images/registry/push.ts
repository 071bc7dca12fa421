// Push (spec.md "Pushing blobs", "Mounting a blob from another repository", "Pushing Manifests"):
//
//   for each blob (config, layers; children of an index first):
//     HEAD blobs/<d>                                   200 → already there ("exists")
//     POST blobs/uploads/?mount=<d>&from=<repo>        201 → mounted; 202 → an upload session instead
//     POST blobs/uploads/                              202 Location: <session>
//       monolithic:  PUT <session>?digest=<d>  (the whole blob)              201
//       chunked:     PATCH <session>  Content-Range: <start>-<end>  × N      202 Location: <next>
//                    PUT <session>?digest=<d>  (empty)                       201
//   PUT manifests/<digest> for each child manifest, then PUT manifests/<tag|digest>
//
// Blobs go up several at once; progress is reported per blob as bytes leave.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BerthError, wrap } from '../../base/errors.js';
import { type Reference, formatReference, parseDockerRef } from '../reference/index.js';
import { LAYER_MEDIA_TYPES } from '../unpack/index.js';
import { locationOf, uploadBlob } from './blob-upload.js';
import type { RegistryClient } from './client.js';
import { repoScope } from './client.js';
import type { Endpoint } from './hosts.js';

import { parseManifest } from './manifest.js';
import { boundedAll } from './pull.js';
import type { BlobSource, Descriptor, ProgressEvent, ProgressListener } from './types.js';

/** How to push. */
export interface PushOptions {
  /** Where blobs and child manifests are read from. */
  source: BlobSource;
  /** Upload in PATCH chunks of this many bytes; 0 (default) uploads each blob in one PUT. */
  chunkSize?: number;
  /** Repositories on the same registry to mount blobs from instead of uploading them. */
  mountFrom?: string[];
  /** Blobs sent at once (default 3). */
  concurrency?: number;
  onProgress?: ProgressListener;
}

/** What a push did. */
export interface PushResult {
  reference: Reference;
  /** Digest of the manifest (or index) pushed. */
  digest: string;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Pushes the manifest (or index) `top`, all it refers to, and tags it as `ref`. */
export async function push(
  client: RegistryClient,
  ref: string | Reference,
  top: Descriptor,
  opts: PushOptions,
): Promise<PushResult> {
  const reference = typeof ref === 'string' ? parseDockerRef(ref) : ref;
  try {
    const [ep] = client.endpoints(reference.domain, 'push');
    if (ep === undefined) throw new BerthError('Internal', 'no endpoint');
    const pusher = new Pusher(client, ep, reference.path, opts);
    await pusher.manifestTree(top, reference.digest ?? reference.tag ?? 'latest');
    return { reference, digest: top.digest };
  } catch (err) {
    throw wrap(err, `push "${formatReference(reference)}"`);
  }
}

class Pusher {
  private readonly scopes: string[];

  constructor(
    private readonly client: RegistryClient,
    private readonly ep: Endpoint,
    private readonly repo: string,
    private readonly opts: PushOptions,
  ) {
    this.scopes = [
      repoScope(repo, ['pull', 'push']),
      ...(opts.mountFrom ?? []).map((r) => repoScope(r, ['pull'])),
    ];
  }

  private emit(
    d: Descriptor,
    kind: ProgressEvent['kind'],
    state: ProgressEvent['state'],
    done: number,
  ): void {
    this.opts.onProgress?.({ digest: d.digest, kind, state, done, total: d.size });
  }

  /** Pushes everything below `desc`, then `desc` itself under `tag`. */
  async manifestTree(desc: Descriptor, tag: string): Promise<void> {
    const bytes = await readAll(await this.opts.source.open(desc));
    const parsed = parseManifest(bytes, desc.mediaType, `manifest "${desc.digest}"`);
    if (parsed.kind === 'index') {
      for (const child of parsed.index.manifests) await this.manifestTree(child, child.digest);
    } else {
      const blobs: [Descriptor, ProgressEvent['kind']][] = [
        [parsed.manifest.config, 'config'],
        ...parsed.manifest.layers.map((l): [Descriptor, ProgressEvent['kind']] => [l, 'layer']),
      ];
      await boundedAll(blobs, this.opts.concurrency ?? 3, async ([d, kind]) => {
        // Foreign (non-distributable) layers stay where their urls say, as docker pushes them.
        if (kind === 'layer' && LAYER_MEDIA_TYPES[d.mediaType]?.foreign === true && (d.urls?.length ?? 0) > 0)
          return this.emit(d, kind, 'skipped', 0);
        await this.blob(d, kind);
      });
    }
    await this.putManifest(desc, bytes, tag, parsed.kind);
  }

  private async putManifest(
    desc: Descriptor,
    bytes: Buffer,
    tag: string,
    kind: 'index' | 'manifest',
  ): Promise<void> {
    const what = `manifest "${desc.digest}"`;
    const res = await this.client.send(this.ep, this.repo, this.scopes, {
      method: 'PUT',
      path: `manifests/${tag}`,
      headers: { 'content-type': desc.mediaType },
      body: bytes,
    });
    if (res.status !== 201 && res.status !== 200) return this.client.fail(res, what);
    res.body.resume();
    const claimed = res.headers['docker-content-digest'];
    if (typeof claimed === 'string' && claimed !== desc.digest)
      throw new BerthError('Internal', `${what}: registry stored it as "${claimed}"`);
    this.emit(desc, kind, 'pushed', bytes.length);
  }

  private async blob(d: Descriptor, kind: ProgressEvent['kind']): Promise<void> {
    const what = `blob "${d.digest}"`;
    const head = await this.client.send(this.ep, this.repo, this.scopes, {
      method: 'HEAD',
      path: `blobs/${d.digest}`,
    });
    head.body.resume();
    if (head.status === 200) return this.emit(d, kind, 'exists', d.size);
    if (head.status !== 404) return this.client.fail(head, what);
    let location: URL | undefined;
    for (const from of this.opts.mountFrom ?? []) {
      const res = await this.client.send(this.ep, this.repo, this.scopes, {
        method: 'POST',
        path: 'blobs/uploads/',
        query: { mount: d.digest, from },
        headers: { 'content-length': '0' },
      });
      res.body.resume();
      if (res.status === 201) return this.emit(d, kind, 'mounted', d.size);
      if (res.status !== 202) return this.client.fail(res, `${what}: mount from "${from}"`);
      location = locationOf(res.headers.location, res.url, what);
      break; // a 202 opened an upload session: use it
    }
    await uploadBlob(
      {
        client: this.client,
        ep: this.ep,
        repo: this.repo,
        scopes: this.scopes,
        source: this.opts.source,
        chunkSize: this.opts.chunkSize ?? 0,
        emit: (desc, k, state, done) => this.emit(desc, k, state, done),
      },
      d,
      kind,
      location,
    );
  }
}

/** sha256 digest string of bytes (for building manifests to push). */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
