// Exec routes (swagger "Exec" tag): POST /containers/{id}/exec, POST /exec/{id}/start (hijacked unless
// detached; TTY and not), POST /exec/{id}/resize, GET /exec/{id}/json.
import { BerthError } from '../base/errors.js';
import type { ContainerService, ExecConfig } from '../daemon/services/containers/index.js';
import { pipeAttach } from './containers-streams.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.js';
import type { Router } from './router.js';
import { frame, SYSTEMERR } from './stdcopy.js';

/** Adds the exec routes. */
export function registerExec(router: Router, service: ContainerService): void {
  router.add('POST', '/containers/{id}/exec', async (ctx) => {
    const body = await ctx.body<ExecConfig>();
    if (!body) throw new BerthError('InvalidArgument', 'No exec command specified');
    if (body.DetachKeys) parseDetachKeys(body.DetachKeys);
    ctx.json(201, { Id: service.execs.create(ctx.params.id!, body) });
  });

  router.add('POST', '/exec/{id}/start', async (ctx) => {
    const body =
      (await ctx.body<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] }>()) ?? {};
    const exec = service.execs.get(ctx.params.id!);
    if (body.ConsoleSize && body.ConsoleSize[0] > 0) exec.config.ConsoleSize = body.ConsoleSize;
    if (body.Detach) {
      await service.execs.start(exec.id, { hold: false });
      ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
      ctx.res.end();
      return;
    }
    const tty = exec.config.Tty === true || body.Tty === true;
    const key = await service.execs.start(exec.id, { hold: true });
    const socket = ctx.hijack(
      !tty && ctx.atLeast(1, 42)
        ? 'application/vnd.docker.multiplexed-stream'
        : 'application/vnd.docker.raw-stream',
    );
    const stdin = exec.config.AttachStdin === true;
    try {
      const conn = await service.ctx.shims.attach(key, {
        stdin,
        stdout: exec.config.AttachStdout !== false,
        stderr: exec.config.AttachStderr !== false,
      });
      pipeAttach(socket, conn, {
        tty,
        stdin,
        detachKeys: parseDetachKeys(exec.config.DetachKeys || DEFAULT_DETACH_KEYS),
        ...(exec.done && { exitRecorded: exec.done }),
      });
      await service.execs.release(key);
    } catch (err) {
      socket.end(tty ? '' : frame(SYSTEMERR, Buffer.from(`${(err as Error).message}\n`)));
    }
  });

  router.add('POST', '/exec/{id}/resize', async (ctx) => {
    const exec = service.execs.get(ctx.params.id!);
    if (!exec.shimKey || !exec.running)
      throw new BerthError('FailedPrecondition', `exec ${exec.id} is not running`);
    await service.ctx.shims.resize(exec.shimKey, ctx.int('h', 0), ctx.int('w', 0));
    ctx.status(200);
  });

  router.add('GET', '/exec/{id}/json', (ctx) => ctx.json(200, service.execs.inspect(ctx.params.id!)));
}
