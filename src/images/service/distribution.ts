// What GET /distribution/{name}/json answers (Engine API DistributionInspect): the descriptor of the
// manifest or index the registry has for a reference, and the platforms it holds, without storing anything.
// An index names its platforms; for a single manifest the platform is read from its config (as dockerd does),
// fetched into memory and verified against its digest.
import { createHash } from 'node:crypto';
import { BerthError } from '../../base/errors.js';
import { type Reference, familiarString } from '../reference/index.js';
import {
  type BlobSink,
  type BlobWriter,
  type Platform,
  type RegistryClient,
  fetchBlob,
  getManifest,
  parseManifest,
} from '../registry/index.js';
import type { Descriptor } from './types.js';

/** Largest image config read into memory (configs are a few kilobytes). */
const MAX_CONFIG_BYTES = 4 << 20;

/** The answer of DistributionInspect. */
export interface DistributionInfo {
  Descriptor: Descriptor;
  Platforms: Platform[];
}

/** Asks the registry what `ref` names there. */
export async function inspectDistribution(client: RegistryClient, ref: Reference): Promise<DistributionInfo> {
  const tagOrDigest = ref.digest ?? ref.tag ?? 'latest';
  const eps = client.endpoints(ref.domain, 'pull');
  const what = `manifest for ${familiarString(ref)}`;
  const fetched = await client.onEndpoints(eps, (ep) => getManifest(client, ep, ref.path, tagOrDigest, what));
  const parsed = parseManifest(fetched.bytes, fetched.contentType, what);
  const mediaType = parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType;
  const descriptor = { mediaType, digest: fetched.digest, size: fetched.bytes.length };
  if (parsed.kind === 'index')
    return {
      Descriptor: descriptor,
      // Entries without a platform (attestations, "unknown/unknown") describe no runnable image.
      Platforms: parsed.index.manifests
        .map((m) => m.platform)
        .filter((p): p is Platform => p !== undefined && p.os !== 'unknown'),
    };
  const config = parsed.manifest.config;
  if (config.size > MAX_CONFIG_BYTES)
    throw new BerthError('InvalidArgument', `${what}: config of ${config.size} bytes is too large`);
  const sink = new MemorySink();
  await fetchBlob(client, eps, ref.path, config, sink, 'config');
  const c = JSON.parse(sink.bytes().toString('utf8')) as Partial<Platform> & { variant?: string };
  if (typeof c.os !== 'string' || typeof c.architecture !== 'string')
    throw new BerthError(
      'InvalidArgument',
      `${what}: config "${config.digest}" names no os and architecture`,
    );
  const platform: Platform = { os: c.os, architecture: c.architecture };
  if (typeof c.variant === 'string' && c.variant !== '') platform.variant = c.variant;
  if (typeof c['os.version'] === 'string') platform['os.version'] = c['os.version'];
  return { Descriptor: descriptor, Platforms: [platform] };
}

/** A BlobSink holding one small blob in memory (nothing is stored), checked by digest on commit. */
class MemorySink implements BlobSink {
  private chunks: Buffer[] = [];
  private committed: Buffer | undefined;

  has(): Promise<boolean> {
    return Promise.resolve(false);
  }

  writer(): Promise<BlobWriter> {
    let offset = 0;
    const append = (chunk: Uint8Array): void => {
      offset += chunk.length;
      if (offset > MAX_CONFIG_BYTES) throw new BerthError('InvalidArgument', 'config is too large');
      this.chunks.push(Buffer.from(chunk));
    };
    const restart = (): void => {
      offset = 0;
      this.chunks = [];
    };
    const commit = (digest: string, size: number): void => {
      const all = Buffer.concat(this.chunks);
      const got = `sha256:${createHash('sha256').update(all).digest('hex')}`;
      if (all.length !== size || got !== digest)
        throw new BerthError(
          'InvalidArgument',
          `config "${digest}": the registry sent "${got}" (${all.length} bytes)`,
        );
      this.committed = all;
    };
    return Promise.resolve({
      get offset() {
        return offset;
      },
      write: async (chunk: Uint8Array) => append(chunk),
      truncate: async () => restart(),
      commit: async (digest: string, size: number) => commit(digest, size),
      close: () => Promise.resolve(),
    });
  }

  readBlob(): Promise<Buffer> {
    return Promise.resolve(this.bytes());
  }

  /** The committed blob. */
  bytes(): Buffer {
    if (this.committed === undefined) throw new BerthError('Internal', 'config was not fetched');
    return this.committed;
  }
}
