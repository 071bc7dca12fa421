// UpdateContainerResources: new cgroup limits (CPU shares, quota and period, memory, cpusets) for a
// container, applied to its cgroups at once and kept for its status.
import type { CriContext } from './context.js';
import type { CriResources } from './messages.js';
import { containerIdOf } from './start-container.js';

/** UpdateContainerResources. */
export async function updateContainerResources(
  req: { container_id: string; linux: CriResources | null },
  ctx: CriContext,
): Promise<object> {
  await ctx.containers.updateResources(containerIdOf(req), req.linux ?? {});
  return {};
}
