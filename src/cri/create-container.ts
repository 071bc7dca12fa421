// CreateContainer: a CREATED container in a ready pod.
import type { CriContext } from './context.js';
import type { CriContainerConfig, PodSandboxConfig } from './messages.js';
import { podIdOf } from './stop-pod-sandbox.js';

/** CreateContainer. */
export async function createContainer(
  req: { pod_sandbox_id: string; config: CriContainerConfig | null; sandbox_config: PodSandboxConfig | null },
  ctx: CriContext,
): Promise<{ container_id: string }> {
  const id = await ctx.containers.create(podIdOf(req), req.config ?? {}, req.sandbox_config);
  return { container_id: id };
}
