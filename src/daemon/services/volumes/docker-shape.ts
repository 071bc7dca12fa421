// The Docker Engine API's Volume object (swagger "Volume"), from a metadata record. Pure.
import type { Volume } from '../../../metadata/index.js';

/** The label dockerd (23+) puts on anonymous volumes; compose and `volume prune` look at it. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** swagger Volume. */
export interface DockerVolume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Status?: Record<string, unknown>;
  Labels: Record<string, string> | null;
  Scope: 'local';
  Options: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number };
}

/** The API's view of a volume; `usage` only for /system/df (sizes cost a walk). */
export function dockerVolume(v: Volume, usage?: { size: number; refCount: number }): DockerVolume {
  const labels = v.anonymous ? { ...v.labels, [ANONYMOUS_LABEL]: '' } : v.labels;
  return {
    // RFC 3339 to the second, as dockerd's time.Format(time.RFC3339).
    CreatedAt: v.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Driver: v.driver,
    Labels: Object.keys(labels).length ? sortedKeys(labels) : null,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: Object.keys(v.options).length ? sortedKeys(v.options) : null,
    Scope: 'local',
    ...(usage && { UsageData: { Size: usage.size, RefCount: usage.refCount } }),
  };
}

/** A map with its keys in order, as Go's encoding/json writes maps (clients' {{json}} prints them so). */
function sortedKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
