// ReopenContainerLog: kubelet renamed the log file to rotate it; the shim opens the path anew.
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

/** ReopenContainerLog. */
export async function reopenContainerLog(req: { container_id: string }, ctx: CriContext): Promise<object> {
  const id = containerIdOf(req);
  const c = ctx.containers.get(id);
  if (c.state !== 'running')
    throw new BerthError(
      'FailedPrecondition',
      `reopen log of container "${id}": it is ${c.state}, not running`,
    );
  await ctx.containers.shims.reopenLog(id);
  return {};
}
