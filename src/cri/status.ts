// Status (api.proto RuntimeCondition): RuntimeReady is true while the daemon serves; NetworkReady says
// whether pods can get a network, with the reason kubelet shows on the node when they cannot
// (NetworkPluginNotReady, as containerd's CRI plugin names it).
import type { CriContext } from './context.js';
import { networkProblem } from './pods/pod-network.js';

interface Condition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** Status. */
export async function status(
  req: { verbose: boolean },
  _ctx: CriContext,
): Promise<{
  status: { conditions: Condition[] };
  info: Record<string, string>;
  runtime_handlers: unknown[];
}> {
  const problem = networkProblem();
  const conditions: Condition[] = [
    { type: 'RuntimeReady', status: true, reason: '', message: '' },
    {
      type: 'NetworkReady',
      status: problem === undefined,
      reason: problem ? 'NetworkPluginNotReady' : '',
      message: problem ? `network plugin is not ready: ${problem}` : '',
    },
  ];
  return {
    status: { conditions },
    info: req.verbose ? { config: JSON.stringify({ cgroupDriver: 'cgroupfs', cni: '/usr/lib/cni' }) } : {},
    // The built-in runtime ("" handler): no recursive read-only mounts or user namespaces yet.
    runtime_handlers: [{ name: '', features: { recursive_read_only_mounts: false, user_namespaces: false } }],
  };
}
