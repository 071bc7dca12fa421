// PortForward: a URL on the streaming server whose connections reach ports inside the pod's netns.
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';
import { podIdOf } from './stop-pod-sandbox.js';

/** PortForward. */
export async function portForwardRpc(
  req: { pod_sandbox_id: string; port: number[] },
  ctx: CriContext,
): Promise<{ url: string }> {
  const pod = await ctx.pods.get(podIdOf(req));
  if (pod.state !== 'ready')
    throw new BerthError('FailedPrecondition', `pod sandbox "${pod.id}": it is not ready`);
  for (const p of req.port ?? [])
    if (!Number.isInteger(p) || p < 1 || p > 65535)
      throw new BerthError('InvalidArgument', `port: ${p} is not a port number`);
  return { url: ctx.streaming.register({ kind: 'portforward', podId: pod.id, ports: req.port ?? [] }) };
}
