// RunPodSandbox: a ready pod (holder running, network attached) or an error with nothing left behind.
import type { CriContext } from './context.js';
import type { PodSandboxConfig } from './messages.js';

/** RunPodSandbox. */
export async function runPodSandbox(
  req: { config: PodSandboxConfig | null; runtime_handler: string },
  ctx: CriContext,
): Promise<{ pod_sandbox_id: string }> {
  const id = await ctx.pods.run(req.config ?? {}, req.runtime_handler ?? '');
  return { pod_sandbox_id: id };
}
