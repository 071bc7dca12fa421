// ExecSync: runs a command in a running container under its own shim, logged in CRI format to a file
// of the exec's own, waits for it (killing it after `timeout` seconds; 0 is no limit), and returns its
// output, each stream capped at 16 MiB as containerd caps it, and its exit code.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, wrap } from '../base/errors.js';
import type { Process } from '../oci/runtime-spec.js';
import { parseCriLog, streamsOf } from './containers/cri-log.js';
import type { CriContext } from './context.js';
import { containerIdOf } from './start-container.js';

/** Output kept per stream. */
export const EXEC_SYNC_OUTPUT_LIMIT = 16 * 1024 * 1024;

/** ExecSync. */
export async function execSync(
  req: { container_id: string; cmd: string[]; timeout: string },
  ctx: CriContext,
): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
  const id = containerIdOf(req);
  if (!req.cmd?.length) throw new BerthError('InvalidArgument', 'cmd: must not be empty');
  const c = ctx.containers.running(id);
  const spec = JSON.parse(readFileSync(join(ctx.containers.bundleOf(c.id), 'config.json'), 'utf8')) as {
    process: Process;
  };
  const execId = `s${randomBytes(4).toString('hex')}`;
  const logPath = join(ctx.containers.bundleOf(c.id), `${execId}.log`);
  const process: Process = { ...spec.process, args: req.cmd, terminal: false };
  const timeoutMs = Number(req.timeout ?? 0) * 1000;
  const key = `${id}/${execId}`;
  try {
    await ctx.containers.shims.exec(id, execId, { process, log: { path: logPath, format: 'cri' } });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      if (timeoutMs > 0) timer = setTimeout(() => r('timeout'), timeoutMs);
    });
    const first = await Promise.race([ctx.containers.shims.wait(key), timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      await ctx.containers.shims.signal(key, 'SIGKILL').catch(() => undefined);
      await ctx.containers.shims.wait(key);
      throw new BerthError('Unavailable', `exec in container "${id}": timed out after ${req.timeout}s`);
    }
    let out: { stdout: Buffer; stderr: Buffer } = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
    try {
      out = streamsOf(parseCriLog(readFileSync(logPath)));
    } catch {
      // no output at all: the shim made no log file
    }
    return {
      stdout: out.stdout.subarray(0, EXEC_SYNC_OUTPUT_LIMIT),
      stderr: out.stderr.subarray(0, EXEC_SYNC_OUTPUT_LIMIT),
      exit_code: first.exitCode,
    };
  } catch (err) {
    throw wrap(err, `exec sync in container "${id}"`);
  } finally {
    await ctx.containers.shims.delete(key, { force: true }).catch(() => undefined);
    rmSync(logPath, { force: true });
  }
}
