// RemoveContainer: killed if running, then removed; idempotent (api.proto).
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

/** RemoveContainer. */
export async function removeContainer(req: { container_id: string }, ctx: CriContext): Promise<object> {
  await ctx.containers.remove(containerIdOf(req));
  return {};
}
