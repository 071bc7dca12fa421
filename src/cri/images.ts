// CRI's images: the image service (src/images/service) over the daemon's stores in namespace `k8s.io`,
// sharing blobs and layer snapshots with Docker's `moby` namespace. Registry hosts, mirrors included
// (daemon config `registries`: registry.k8s.io and gcr.io through local mirrors), come from the same
// config as the Docker side's; credentials only from the request's AuthConfig.
import { statfsSync } from 'node:fs';
import { BerthError } from '../base/errors.js';
import type { DaemonConfig } from '../daemon/config.js';
import { openImageService } from '../daemon/services/images/index.js';
import { formatReference } from '../images/reference/index.js';
import type { Credential } from '../images/registry/index.js';
import type { ImageService, LocalImage } from '../images/service/index.js';
import { CRI_NAMESPACE, type Stores } from '../metadata/index.js';

/** CRI's AuthConfig (api.proto). */
export interface CriAuth {
  username?: string;
  password?: string;
  /** base64 of "user:password", docker's config.json form. */
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}

/** Opens the image service of namespace k8s.io, with the daemon config's registry hosts. */
export function openCriImages(
  config: Pick<DaemonConfig, 'registries' | 'registryMirrors' | 'insecureRegistries'>,
  stores: Stores,
  snapshotter: string,
  version: string,
): Promise<ImageService> {
  // Only the registry settings are read from the config (registry-hosts.ts).
  return openImageService(config as DaemonConfig, stores, snapshotter, version, CRI_NAMESPACE);
}

/** The registry credential an AuthConfig carries, or undefined for an anonymous pull. */
export function credentialOf(auth: CriAuth | null | undefined): Credential | undefined {
  if (!auth) return undefined;
  let { username, password } = auth;
  if (auth.auth) {
    const text = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) throw new BerthError('InvalidArgument', 'auth.auth: not base64 of "user:password"');
    username = text.slice(0, colon);
    password = text.slice(colon + 1);
  }
  const c: Credential = {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(auth.identity_token ? { identityToken: auth.identity_token } : {}),
    ...(auth.registry_token ? { registryToken: auth.registry_token } : {}),
  };
  return Object.keys(c).length ? c : undefined;
}

/** The image reference of an ImageSpec; InvalidArgument when it names none. */
export function imageRefOf(spec: { image?: string } | null | undefined, field = 'image.image'): string {
  if (!spec?.image) throw new BerthError('InvalidArgument', `${field}: must not be empty`);
  return spec.image;
}

/** The user an image runs as, as CRI's Image reports it: a numeric uid, or a name. */
function imageUser(image: LocalImage): { uid: { value: string } | null; username: string } {
  const user = (image.config.config?.User ?? '').split(':', 1)[0] ?? '';
  if (user === '') return { uid: null, username: '' };
  if (/^\d+$/.test(user)) return { uid: { value: user }, username: '' };
  return { uid: null, username: user };
}

/** CRI's Image message for a local image. */
export async function criImage(images: ImageService, image: LocalImage): Promise<Record<string, unknown>> {
  const size = (await images.layerSizes(image)).reduce((a, b) => a + b, 0);
  return {
    id: image.id,
    repo_tags: image.tags.map(formatReference),
    repo_digests: image.digests.map(formatReference),
    size: String(size),
    ...imageUser(image),
    spec: { image: image.id, annotations: {} },
    pinned: false,
  };
}

/** ImageFsInfo's usage of the filesystem holding `path` (statfs(2): used blocks and inodes). */
export function filesystemUsage(path: string): Record<string, unknown> {
  const s = statfsSync(path);
  return {
    timestamp: (BigInt(Date.now()) * 1_000_000n).toString(),
    fs_id: { mountpoint: path },
    used_bytes: { value: String((s.blocks - s.bfree) * s.bsize) },
    inodes_used: { value: String(s.files - s.ffree) },
  };
}
