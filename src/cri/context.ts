// What every CRI handler reaches: the daemon's facts and the CRI services (pods; containers, images and
// streaming as they land). Built once by index.ts.
import type { Logger } from '../base/log.js';
import type { PodNetworks } from './pods/pod-network.js';
import type { PodService } from './pods/pod-service.js';

/** The services behind the CRI handlers. */
export interface CriContext {
  /** Berth's version (Version.runtime_version). */
  version: string;
  log: Logger;
  pods: PodService;
  networks: PodNetworks;
  /** Stops every container of a pod (StopPodSandbox). */
  stopPodContainers(podId: string): Promise<void>;
  /** Removes every container of a pod (RemovePodSandbox). */
  removePodContainers(podId: string): Promise<void>;
}
