// StopContainer: the stop signal, then SIGKILL after `timeout` seconds; idempotent (api.proto).
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

/** StopContainer. */
export async function stopContainer(
  req: { container_id: string; timeout: string },
  ctx: CriContext,
): Promise<object> {
  await ctx.containers.stop(containerIdOf(req), Number(req.timeout ?? 0));
  return {};
}
