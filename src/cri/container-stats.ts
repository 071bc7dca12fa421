// ContainerStats, ListContainerStats and StreamContainerStats: cgroup usage and the writable layer.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { containerMatches } from './containers/container-shape.js';
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

type Filter = { id?: string; pod_sandbox_id?: string; label_selector?: Record<string, string> } | null;

async function matching(filter: Filter, ctx: CriContext): Promise<unknown[]> {
  // kubelet asks for the stats of containers that run; exited ones have no cgroup figures.
  const list = ctx.containers.list().filter((c) => c.state === 'running' && containerMatches(c, filter));
  return Promise.all(list.map((c) => ctx.containers.stats(c)));
}

/** ContainerStats. */
export async function containerStatsRpc(
  req: { container_id: string },
  ctx: CriContext,
): Promise<{ stats: unknown }> {
  return { stats: await ctx.containers.stats(ctx.containers.get(containerIdOf(req))) };
}

/** ListContainerStats. */
export async function listContainerStats(
  req: { filter: Filter },
  ctx: CriContext,
): Promise<{ stats: unknown[] }> {
  return { stats: await matching(req.filter, ctx) };
}

/** StreamContainerStats: the same stats in responses of at most 100. */
export async function streamContainerStats(
  req: { filter: Filter },
  ctx: CriContext,
  call: ServerWritableStream<unknown, unknown>,
): Promise<void> {
  const all = await matching(req.filter, ctx);
  for (let i = 0; i < all.length; i += 100) call.write({ container_stats: all.slice(i, i + 100) });
}
