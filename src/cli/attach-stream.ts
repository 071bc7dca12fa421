// The client's half of an attached container or exec (docker/cli's hijack.go holdHijackedConnection):
// output to our stdout/stderr (demultiplexed without a TTY), our stdin to the container, a half-close
// when our stdin ends, done when the daemon closes the stream.
import type { Duplex } from 'node:stream';
import { Demuxer } from '../dockerapi/stdcopy.js';
import { rawMode } from './terminal.js';

/** How the stream is used. */
export interface AttachStreamOptions {
  tty: boolean;
  /** Send our stdin. */
  stdin: boolean;
}

/** Runs the stream until the daemon ends it. */
export function holdAttached(socket: Duplex, opts: AttachStreamOptions): Promise<void> {
  const restore = opts.tty && opts.stdin ? rawMode() : () => undefined;
  const demux = new Demuxer();
  return new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      if (opts.tty) {
        process.stdout.write(chunk);
        return;
      }
      for (const f of demux.push(chunk)) {
        if (f.stream === 2 || f.stream === 3) process.stderr.write(f.payload);
        else process.stdout.write(f.payload);
      }
    });
    const onInput = (b: Buffer): void => {
      socket.write(b);
    };
    const onEnd = (): void => {
      // Half-close: the container's stdin ends, its output still comes (echo x | berth run -i ... cat).
      socket.end();
    };
    if (opts.stdin) {
      process.stdin.on('data', onInput);
      process.stdin.once('end', onEnd);
    }
    const done = (): void => {
      restore();
      if (opts.stdin) {
        process.stdin.off('data', onInput);
        process.stdin.off('end', onEnd);
        process.stdin.pause();
      }
      resolve();
    };
    socket.once('end', done);
    socket.once('close', done);
    socket.once('error', done);
  });
}
