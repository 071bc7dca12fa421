// RemovePodSandbox: everything of the pod removed, its containers too; idempotent (api.proto).
import type { CriContext } from './context.js';
import type { PodSandboxIdRequest } from './messages.js';
import { podIdOf } from './stop-pod-sandbox.js';

/** RemovePodSandbox. */
export async function removePodSandbox(req: PodSandboxIdRequest, ctx: CriContext): Promise<object> {
  await ctx.pods.remove(podIdOf(req), (id) => ctx.containers.removePod(id));
  return {};
}
