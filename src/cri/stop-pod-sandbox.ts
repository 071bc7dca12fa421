// StopPodSandbox: containers stopped, holder ended, address released; idempotent (api.proto).
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';
import type { PodSandboxIdRequest } from './messages.js';

/** The pod id a request names; InvalidArgument when it names none. */
export function podIdOf(req: PodSandboxIdRequest): string {
  if (!req.pod_sandbox_id) throw new BerthError('InvalidArgument', 'pod_sandbox_id: must not be empty');
  return req.pod_sandbox_id;
}

/** StopPodSandbox. */
export async function stopPodSandbox(req: PodSandboxIdRequest, ctx: CriContext): Promise<object> {
  await ctx.pods.stop(podIdOf(req), (id) => ctx.containers.stopPod(id));
  return {};
}
