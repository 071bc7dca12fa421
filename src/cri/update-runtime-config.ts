// UpdateRuntimeConfig: kubelet hands over the node's pod CIDR. It shapes the pod network when that is
// made (the first pod); once the network exists, its subnet stays until it is removed.
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';

/** UpdateRuntimeConfig. */
export async function updateRuntimeConfig(
  req: { runtime_config?: { network_config?: { pod_cidr?: string } | null } | null },
  ctx: CriContext,
): Promise<object> {
  const cidr = req.runtime_config?.network_config?.pod_cidr ?? '';
  if (!cidr) return {};
  // Kubelet may send a dual-stack list; Berth's pod network is IPv4.
  const v4 = cidr
    .split(',')
    .map((c) => c.trim())
    .find((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c));
  if (!v4)
    throw new BerthError(
      'InvalidArgument',
      `runtime_config.network_config.pod_cidr "${cidr}": no IPv4 CIDR in it`,
    );
  ctx.networks.podCidr = v4;
  return {};
}
