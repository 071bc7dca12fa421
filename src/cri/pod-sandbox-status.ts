// PodSandboxStatus: NotFound for a pod that does not exist (or was removed), as kubelet expects.
import type { CriContext } from './context.js';
import type { PodSandboxIdRequest } from './messages.js';
import { podSandboxStatus } from './pods/pod-shape.js';
import { podIdOf } from './stop-pod-sandbox.js';

/** PodSandboxStatus. */
export async function podSandboxStatusRpc(
  req: PodSandboxIdRequest,
  ctx: CriContext,
): Promise<{
  status: Record<string, unknown>;
  info: Record<string, string>;
  containers_statuses: unknown[];
  timestamp: string;
}> {
  const rec = await ctx.pods.get(podIdOf(req));
  const info: Record<string, string> = req.verbose
    ? {
        info: JSON.stringify({
          pid: rec.pid ?? 0,
          netns: rec.netnsPath ?? '',
          runtimeHandler: rec.runtimeHandler,
        }),
      }
    : {};
  return {
    status: podSandboxStatus(rec),
    info,
    containers_statuses: [],
    timestamp: String(Date.now() * 1_000_000),
  };
}
