// ListContainers and StreamContainers: the containers matching the filter, oldest first.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { containerMatches, criContainer } from './containers/container-shape.js';
import type { CriContext } from './context.js';

type Filter = Parameters<typeof containerMatches>[1];

function matching(filter: Filter, ctx: CriContext): unknown[] {
  return ctx.containers
    .list()
    .filter((c) => containerMatches(c, filter))
    .map(criContainer);
}

/** ListContainers. */
export async function listContainers(
  req: { filter: Filter },
  ctx: CriContext,
): Promise<{ containers: unknown[] }> {
  return { containers: matching(req.filter, ctx) };
}

/** StreamContainers: the same containers in responses of at most 100. */
export async function streamContainers(
  req: { filter: Filter },
  ctx: CriContext,
  call: ServerWritableStream<unknown, unknown>,
): Promise<void> {
  const all = matching(req.filter, ctx);
  for (let i = 0; i < all.length; i += 100) call.write({ containers: all.slice(i, i + 100) });
}
