// Exec: checks the request and answers with a single-use URL on the streaming server (api.proto
// ExecResponse), where the client's WebSocket runs the command (streaming/sessions.ts).
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

/** The streams a request asks for; at least one, and no stderr with a tty (it is merged into stdout). */
export function checkStreams(r: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): void {
  if (!r.stdin && !r.stdout && !r.stderr)
    throw new BerthError('InvalidArgument', 'one of stdin, stdout or stderr must be set');
  if (r.tty && r.stderr) throw new BerthError('InvalidArgument', 'tty and stderr cannot both be set');
}

/** Exec. */
export async function execRpc(
  req: {
    container_id: string;
    cmd: string[];
    tty: boolean;
    stdin: boolean;
    stdout: boolean;
    stderr: boolean;
  },
  ctx: CriContext,
): Promise<{ url: string }> {
  const id = containerIdOf(req);
  if (!req.cmd?.length) throw new BerthError('InvalidArgument', 'cmd: must not be empty');
  checkStreams(req);
  ctx.containers.running(id);
  return {
    url: ctx.streaming.register({
      kind: 'exec',
      containerId: id,
      cmd: req.cmd,
      tty: req.tty,
      stdin: req.stdin,
      stdout: req.stdout,
      stderr: req.stderr,
    }),
  };
}
