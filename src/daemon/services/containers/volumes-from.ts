// `--volumes-from ref[:ro|:rw]` (HostConfig.VolumesFrom): another container's volumes and binds, at the
// same destinations, as dockerd's parseVolumesFrom takes them.
import type { HostConfig } from '../../../../api/docker/container.js';
import { BerthError } from '../../../base/errors.js';
import type { ServiceContext } from './context.js';
import type { MountRequest } from './mounts.js';

/**
 * HostConfig.VolumesFrom (`--volumes-from ref[:ro|:rw]`): the other container's volume and bind mounts
 * at the same destinations, read-only with `:ro`, else as the other container has them (dockerd's
 * parseVolumesFrom). Destinations the container mounts itself are left to its own mounts.
 */
export function volumesFromRequests(
  ctx: ServiceContext,
  host: HostConfig,
  own: readonly MountRequest[],
): MountRequest[] {
  const out: MountRequest[] = [];
  for (const spec of host.VolumesFrom ?? []) {
    const [ref, mode, extra] = spec.split(':');
    if (!ref || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw'))
      throw new BerthError('InvalidArgument', `invalid volumes-from specification: "${spec}"`);
    const other = ctx.find(ref);
    for (const m of ctx.data(other).mounts ?? []) {
      if (m.Type === 'tmpfs') continue;
      if (
        own.some((r) => r.destination === m.Destination) ||
        out.some((r) => r.destination === m.Destination)
      )
        continue;
      out.push({
        type: m.Type,
        source: m.Type === 'volume' ? (m.Name ?? '') : m.Source,
        destination: m.Destination,
        readOnly: mode === 'ro' ? true : mode === 'rw' ? false : !m.RW,
        options: m.Type === 'bind' && m.Propagation ? [m.Propagation] : [],
        createSource: false,
        // Another container's volume already holds what it holds: no copy-up from this image.
        noCopy: true,
      });
    }
  }
  return out;
}
