// Attach: a URL on the streaming server for the container's own streams.
import { checkStreams } from './exec.js';
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

/** Attach. */
export async function attachRpc(
  req: { container_id: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean },
  ctx: CriContext,
): Promise<{ url: string }> {
  const id = containerIdOf(req);
  checkStreams(req);
  ctx.containers.running(id);
  return {
    url: ctx.streaming.register({
      kind: 'attach',
      containerId: id,
      tty: req.tty,
      stdin: req.stdin,
      stdout: req.stdout,
      stderr: req.stderr,
    }),
  };
}
