// Where a container's image comes from: the image records of the `moby` namespace, their manifests and
// configs in the content store, and the committed snapshot of their top layer (named by its chain ID,
// image-spec config.md "Layer ChainID"). Only metadata, content and snapshot APIs are used, so the
// image service (another slice) can replace this with its own lookup behind the same interface.
import type { ContainerConfig } from '../../../../api/docker/container.js';
import { BerthError } from '../../../base/errors.js';
import { chainIds, type Stores } from '../../../metadata/index.js';
import { familiarString, parseDockerRef, formatReference } from '../../../images/reference/index.js';
import { DOCKER_NAMESPACE } from '../../../metadata/index.js';

/** An image resolved for a container. */
export interface ResolvedImage {
  /** The image ID: the config's digest (`sha256:...`). */
  id: string;
  /** The record's name (`docker.io/library/busybox:latest`), or undefined when found by ID. */
  name?: string;
  /** The record's target digest (the GC root the container keeps). */
  targetDigest: string;
  /** The runnable part of the image config (`config` in config.md), in Docker's field names. */
  config: ContainerConfig;
  /** The chain ID of the top layer: the parent of the container's snapshot; undefined for no layers. */
  topChainId?: string;
  /** The full image config blob, parsed. */
  raw: Record<string, unknown>;
}

/** Looks images up for containers. */
export interface ImageSource {
  /** The image a reference or ID names; NotFound with docker's "No such image: x". */
  resolve(ref: string): Promise<ResolvedImage>;
  /** Every local image's ID with its names (for `ancestor` filters and inspect's names). */
  all(): Promise<{ id: string; names: string[] }[]>;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

interface ManifestJson {
  mediaType?: string;
  config?: { digest: string };
  manifests?: { mediaType?: string; digest: string; platform?: { os?: string; architecture?: string } }[];
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

/** Images from the stores' records (namespace `moby`). */
export class StoreImageSource implements ImageSource {
  constructor(private readonly stores: Stores) {}

  async resolve(ref: string): Promise<ResolvedImage> {
    const images = this.stores.images(DOCKER_NAMESPACE);
    const notFound = (): BerthError => new BerthError('NotFound', `No such image: ${ref}`);
    if (ref === '') throw notFound();
    // An ID, full or short, with or without "sha256:" (dockerd's GetImage tries this first).
    const hex = ref.replace(/^sha256:/, '');
    if (/^[0-9a-f]{1,64}$/.test(hex) && (ref.startsWith('sha256:') || hex.length >= 12 || !isName(ref))) {
      const matches = (await this.all()).filter((i) => i.id.slice(7).startsWith(hex));
      if (matches.length === 1) return this.load(matches[0]!.id, undefined);
      if (matches.length > 1 && new Set(matches.map((m) => m.id)).size > 1)
        throw new BerthError('InvalidArgument', `multiple IDs found with provided prefix: ${hex}`);
      if (matches.length > 1) return this.load(matches[0]!.id, undefined);
    }
    let name: string;
    try {
      name = formatReference(parseDockerRef(ref));
    } catch {
      throw notFound();
    }
    const list = images.list({ name });
    if (list.length === 0) throw notFound();
    const id = await this.configDigest(list[0]!.target.digest, list[0]!.target.mediaType);
    return this.load(id, name, list[0]!.target.digest);
  }

  async all(): Promise<{ id: string; names: string[] }[]> {
    const byId = new Map<string, string[]>();
    for (const img of this.stores.images(DOCKER_NAMESPACE).list()) {
      let id: string;
      try {
        id = await this.configDigest(img.target.digest, img.target.mediaType);
      } catch {
        continue; // an image whose blobs are missing names nothing runnable
      }
      byId.set(id, [...(byId.get(id) ?? []), img.name]);
    }
    return [...byId].map(([id, names]) => ({ id, names }));
  }

  /** The config digest of a manifest, or of the host platform's manifest in an index. */
  private async configDigest(digest: string, mediaType: string): Promise<string> {
    const content = this.stores.content(DOCKER_NAMESPACE);
    const m = JSON.parse((await content.readBlob(digest as never)).toString('utf8')) as ManifestJson;
    if (m.config && (MANIFEST_TYPES.includes(mediaType) || !m.manifests)) return m.config.digest;
    const list = m.manifests ?? [];
    const arch = GOARCH[process.arch] ?? process.arch;
    const pick =
      list.find((d) => d.platform?.os === 'linux' && d.platform.architecture === arch) ??
      list.find((d) => d.platform === undefined);
    if (!pick) throw new BerthError('NotFound', `image index "${digest}": no manifest for linux/${arch}`);
    return this.configDigest(pick.digest, pick.mediaType ?? MANIFEST_TYPES[0]!);
  }

  private async load(id: string, name: string | undefined, target?: string): Promise<ResolvedImage> {
    const content = this.stores.content(DOCKER_NAMESPACE);
    const raw = JSON.parse((await content.readBlob(id as never)).toString('utf8')) as Record<string, unknown>;
    const chain = chainIds(raw);
    let targetDigest = target;
    if (!targetDigest) {
      const owner = (await this.all()).find((i) => i.id === id);
      const rec = owner ? this.stores.images(DOCKER_NAMESPACE).get(owner.names[0]!) : undefined;
      targetDigest = rec?.target.digest ?? id;
      name = owner?.names[0];
    }
    return {
      id,
      ...(name !== undefined ? { name } : {}),
      targetDigest,
      config: (raw.config ?? {}) as ContainerConfig,
      ...(chain.length ? { topChainId: chain[chain.length - 1]! } : {}),
      raw,
    };
  }
}

/** Whether `ref` could be an image name (a short hex string may be both, moby tries the ID first). */
function isName(ref: string): boolean {
  try {
    parseDockerRef(ref);
    return true;
  } catch {
    return false;
  }
}

/** The name docker shows for an image reference (`busybox:latest` for docker.io/library/busybox:latest). */
export function familiarImageName(name: string): string {
  try {
    return familiarString(parseDockerRef(name));
  } catch {
    return name;
  }
}
