// The streaming container routes: GET /containers/{id}/logs (json-file records, multiplexed without a
// TTY, raw with one) and POST /containers/{id}/attach (a hijacked connection: the container's output
// out, stdin in, detach keys watched). stdcopy.ts has the multiplexed framing.
import type { Duplex } from 'node:stream';
import { BerthError } from '../base/errors.js';
import type { ContainerService } from '../daemon/services/containers/index.js';
import { parseUnixNanos, readLogs } from '../daemon/services/containers/index.js';
import type { ShimConnection } from '../daemon/shim-client/index.js';
import type { ApiContext } from './context.js';
import { DEFAULT_DETACH_KEYS, DetachWatcher, parseDetachKeys } from './detach-keys.js';
import type { Router } from './router.js';
import { frame, STDERR, STDOUT } from './stdcopy.js';

/** The content type of a stream: multiplexed (API 1.42+) without a TTY, raw with one. */
function streamType(ctx: ApiContext, tty: boolean): string {
  return !tty && ctx.atLeast(1, 42)
    ? 'application/vnd.docker.multiplexed-stream'
    : 'application/vnd.docker.raw-stream';
}

/**
 * Joins a hijacked socket and a shim connection: output out (framed unless `tty`), stdin in until the
 * detach keys, half-close of the client → end of stdin, the end of either side ends the other.
 */
export function pipeAttach(
  socket: Duplex,
  conn: ShimConnection,
  opts: {
    tty: boolean;
    stdin: boolean;
    detachKeys: Buffer;
    /** StdinOnce: the container's stdin is closed when this attacher's stdin ends, unless it detached. */
    stdinOnce?: boolean;
    /**
     * Settles once the process's exit is recorded: the stream ends only then, as dockerd's does, since a
     * client reads the exit code (GET /exec/{id}/json) as soon as its stream ends.
     */
    exitRecorded?: Promise<unknown>;
  },
): void {
  let detached = false;
  let stdinDone: Promise<void> | undefined;
  // Sent on this connection, after the stdin bytes, so that the container reads them all before EOF.
  // dockerd (container/stream/attach.go) closes stdin only after a plain end of the client's stdin, and
  // never on a detach or with a TTY.
  const finishStdin = (): Promise<void> => {
    if (!stdinDone) {
      const close = opts.stdin && opts.stdinOnce === true && !opts.tty && !detached;
      stdinDone = close ? conn.closeStdin().catch(() => undefined) : Promise.resolve();
    }
    return stdinDone;
  };
  const out = (stream: number) => (b: Buffer) => {
    if (!socket.writableEnded) socket.write(opts.tty ? b : frame(stream, b));
  };
  conn.on('stdout', out(STDOUT));
  conn.on('stderr', out(STDERR));
  conn.once('close', () => {
    void (opts.exitRecorded ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        if (!socket.writableEnded) socket.end();
      });
  });
  const watcher = new DetachWatcher(opts.detachKeys);
  socket.on('data', (chunk: Buffer) => {
    if (!opts.stdin) return;
    const { forward, detach } = watcher.push(chunk);
    if (forward.length) conn.writeStdin(forward);
    if (detach) {
      // Detached: the container's stdin stays open for the next attacher.
      detached = true;
      conn.close();
      socket.end();
    }
  });
  socket.once('end', () => {
    if (opts.stdin && !detached) conn.endStdin();
    void finishStdin();
  });
  socket.once('close', () => void finishStdin().then(() => conn.close()));
  socket.on('error', () => conn.close());
}

/** Adds the logs and attach routes. */
export function registerContainerStreams(router: Router, service: ContainerService): void {
  router.add('GET', '/containers/{id}/logs', async (ctx) => {
    const c = service.find(ctx.params.id!);
    const stdout = ctx.bool('stdout');
    const stderr = ctx.bool('stderr');
    if (!stdout && !stderr)
      throw new BerthError('InvalidArgument', 'Bad parameters: you must choose at least one stream');
    if (!c.logPath)
      throw new BerthError('InvalidArgument', 'configured logging driver does not support reading');
    const tty = (c.config as { Tty?: boolean }).Tty === true;
    const tailText = ctx.query.get('tail') ?? 'all';
    const tail = tailText === 'all' || tailText === '' ? -1 : Number.parseInt(tailText, 10);
    const timestamps = ctx.bool('timestamps');
    ctx.res.writeHead(200, { 'Content-Type': streamType(ctx, tty) });
    ctx.res.flushHeaders();
    const abort = new AbortController();
    ctx.res.once('close', () => abort.abort());
    await readLogs(
      c.logPath,
      {
        follow: ctx.bool('follow'),
        sinceNanos: parseUnixNanos(ctx.query.get('since')),
        untilNanos: parseUnixNanos(ctx.query.get('until')),
        tail: Number.isNaN(tail) ? -1 : tail,
        stdout,
        stderr,
      },
      (r) => {
        const line = timestamps ? Buffer.concat([Buffer.from(`${r.time} `), r.line]) : r.line;
        ctx.res.write(tty ? line : frame(r.stream === 'stdout' ? STDOUT : STDERR, line));
      },
      () => {
        try {
          return ['running', 'paused', 'restarting'].includes(service.find(c.id).state);
        } catch {
          return false;
        }
      },
      abort.signal,
    );
    ctx.res.end();
  });

  router.add('POST', '/containers/{id}/attach', async (ctx) => {
    const want = { stdin: ctx.bool('stdin'), stdout: ctx.bool('stdout'), stderr: ctx.bool('stderr') };
    const detachKeys = parseDetachKeys(ctx.query.get('detachKeys') || DEFAULT_DETACH_KEYS);
    const { container, connection } = await service.attach(ctx.params.id!, want);
    const tty = (container.config as { Tty?: boolean }).Tty === true;
    const socket = ctx.hijack(streamType(ctx, tty));
    let gone = false;
    socket.once('close', () => (gone = true));
    let conn: ShimConnection;
    try {
      conn = await connection;
    } catch (err) {
      socket.end(tty ? '' : frame(3, Buffer.from(String((err as Error).message) + '\n')));
      return;
    }
    // The client left while it waited for the start: the shim connection is not wanted any more.
    if (gone) return conn.close();
    // StdinOnce (run -i) closes the container's stdin when this attacher is done with it, unless it
    // detached: the daemon does it, not the shim, so that a detach leaves stdin open.
    pipeAttach(socket, conn, {
      tty,
      stdin: want.stdin,
      detachKeys,
      stdinOnce: (container.config as { StdinOnce?: boolean }).StdinOnce === true,
    });
  });
}

/** Adds GET /containers/{id}/stats: one sample (`stream=false`, with a previous one a second before unless `one-shot`), or one a second. */
export function registerStats(router: Router, service: ContainerService): void {
  router.add('GET', '/containers/{id}/stats', async (ctx) => {
    const c = service.find(ctx.params.id!);
    const stream = ctx.query.get('stream') === null ? true : ctx.bool('stream');
    const oneShot = ctx.bool('one-shot');
    if (oneShot && stream)
      throw new BerthError('InvalidArgument', 'cannot have stream=true and one-shot=true');
    let previous = await service.stats(c.id);
    if (!stream) {
      if (!oneShot && ['running', 'paused'].includes(service.find(c.id).state)) {
        await new Promise((r) => setTimeout(r, 1000));
        const now = await service.stats(c.id);
        return ctx.json(200, service.statsResponse(c.id, now, previous));
      }
      return ctx.json(200, service.statsResponse(c.id, previous, undefined));
    }
    const write = ctx.startJsonStream();
    write(service.statsResponse(c.id, previous, undefined));
    let open = true;
    ctx.res.once('close', () => (open = false));
    while (open) {
      await new Promise((r) => setTimeout(r, 1000));
      let cur;
      try {
        cur = service.find(c.id);
      } catch {
        break; // removed
      }
      const now = await service.stats(cur.id);
      write(service.statsResponse(cur.id, now, previous));
      previous = now;
    }
    if (!ctx.res.writableEnded) ctx.res.end();
  });
}
