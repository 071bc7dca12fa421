// ListPodSandbox and StreamPodSandboxes: the pods matching the filter, oldest first.
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { CriContext } from './context.js';
import type { PodSandboxFilter } from './messages.js';
import { podMatches, podSandbox } from './pods/pod-shape.js';

async function matching(filter: PodSandboxFilter | null | undefined, ctx: CriContext): Promise<unknown[]> {
  return (await ctx.pods.list()).filter((r) => podMatches(r, filter)).map(podSandbox);
}

/** ListPodSandbox. */
export async function listPodSandbox(
  req: { filter: PodSandboxFilter | null },
  ctx: CriContext,
): Promise<{ items: unknown[] }> {
  return { items: await matching(req.filter, ctx) };
}

/** StreamPodSandboxes: the same items, in responses of at most 100 (api.proto: at least one per response). */
export async function streamPodSandboxes(
  req: { filter: PodSandboxFilter | null },
  ctx: CriContext,
  call: ServerWritableStream<unknown, unknown>,
): Promise<void> {
  const items = await matching(req.filter, ctx);
  for (let i = 0; i < items.length; i += 100) call.write({ pod_sandboxes: items.slice(i, i + 100) });
}
