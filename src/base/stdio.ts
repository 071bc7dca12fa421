// Writes to stdout and stderr with fs.writeSync rather than process.stdout/stderr: touching those loads
// Node's stream machinery, about 2.5 ms of a short command's start. Output is complete when they return.
import { writeSync } from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      // A non-blocking pipe that is full (inherited O_NONBLOCK): wait for the reader.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

/** Writes `text` to stdout. */
export function writeOut(text: string): void {
  writeAll(1, text);
}

/** Writes `text` to stderr; a closed stderr is not an error worth dying of. */
export function writeErr(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // nowhere left to say it
  }
}
