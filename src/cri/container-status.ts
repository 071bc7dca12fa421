// ContainerStatus: state, times in nanoseconds, exit code and reason (OOMKilled, Error, Completed).
import { criContainerStatus } from './containers/container-shape.js';
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

/** ContainerStatus. */
export async function containerStatus(
  req: { container_id: string; verbose: boolean },
  ctx: CriContext,
): Promise<{ status: unknown; info: Record<string, string> }> {
  const c = ctx.containers.get(containerIdOf(req));
  const info: Record<string, string> = req.verbose
    ? { info: JSON.stringify({ pid: c.pid ?? 0, runtime: c.runtime.name, snapshotKey: c.snapshotKey ?? '' }) }
    : {};
  return { status: criContainerStatus(c), info };
}
