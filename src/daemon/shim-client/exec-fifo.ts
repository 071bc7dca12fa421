// The built-in path's `start` (runtime.md "Start"; runc's create/start split): berth-init's child waits in
// open(exec.fifo, O_WRONLY) until a reader opens the fifo, then writes one byte and execs the program.
import { closeSync, constants as fsConstants, openSync, readSync, unlinkSync } from 'node:fs';
import { BerthError } from '../../base/errors.js';

const START_TIMEOUT_MS = 30_000;

/** Opens the fifo and reads the container's byte; fails when `exited` says how it died waiting. */
export async function releaseExecFifo(fifo: string, exited: () => string | undefined): Promise<void> {
  let fd: number;
  try {
    // Non-blocking: never hang on a container that died. Our open completes the writer's blocked open;
    // until it has written its byte a read says EAGAIN (or EOF before it has opened).
    fd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BerthError('FailedPrecondition', 'it has already started');
    throw err;
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    const buf = Buffer.alloc(1);
    for (;;) {
      let n = 0;
      try {
        n = readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (n === 1) break;
      const how = exited();
      if (how) throw new BerthError('FailedPrecondition', `it has exited (${how})`);
      if (Date.now() > deadline)
        throw new BerthError('Unavailable', `the container did not open "${fifo}" in ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
  } finally {
    closeSync(fd);
  }
  unlinkSync(fifo);
}
