// What every CRI handler reaches: the daemon's facts and the CRI services (pods; containers, images and
// streaming as they land). Built once by index.ts.
import type { Logger } from '../base/log.js';
import type { ImageService } from '../images/service/index.js';
import type { CriContainerService } from './containers/service.js';
import type { PodNetworks } from './pods/pod-network.js';
import type { PodService } from './pods/pod-service.js';
import type { StreamingServer } from './streaming/server.js';

/** The services behind the CRI handlers. */
export interface CriContext {
  /** Berth's version (Version.runtime_version). */
  version: string;
  log: Logger;
  pods: PodService;
  networks: PodNetworks;
  containers: CriContainerService;
  /** The image service of namespace k8s.io. */
  images: ImageService;
  /** Where Exec, Attach and PortForward send the client. */
  streaming: StreamingServer;
  /** Where the snapshots live (ImageFsInfo). */
  snapshotRoot: string;
}
