// The daemon's image service: the image service of src/images/service over the daemon's stores, with
// registry clients set up from the daemon config (registry-hosts.ts). Credentials come only with the
// request (X-Registry-Auth), as dockerd's do: the daemon never reads anyone's docker config.
import type { Stores } from '../../../metadata/index.js';
import { ImageService } from '../../../images/service/index.js';
import { RegistryClient, StaticCredentials } from '../../../images/registry/index.js';
import type { DaemonConfig } from '../../config.js';
import { hostsFor } from './registry-hosts.js';

export { hostsFor } from './registry-hosts.js';

/** Opens the image service of the daemon's `moby` namespace. */
export function openImageService(
  config: DaemonConfig,
  stores: Stores,
  snapshotter: string,
  version: string,
): Promise<ImageService> {
  return ImageService.open({
    stores,
    snapshotter,
    registry: (domain, credential) =>
      new RegistryClient({
        hosts: hostsFor(config, domain),
        credentials: new StaticCredentials(credential === undefined ? {} : { [domain]: credential }),
        userAgent: `berth/${version}`,
      }),
  });
}
