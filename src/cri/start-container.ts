// StartContainer: CREATED → RUNNING.
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';

/** The container a request names; InvalidArgument when it names none. */
export function containerIdOf(req: { container_id?: string }): string {
  if (!req.container_id) throw new BerthError('InvalidArgument', 'container_id: must not be empty');
  return req.container_id;
}

/** StartContainer. */
export async function startContainer(req: { container_id: string }, ctx: CriContext): Promise<object> {
  await ctx.containers.start(containerIdOf(req));
  return {};
}
