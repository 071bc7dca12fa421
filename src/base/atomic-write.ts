// Writes that must never be seen half-done: write a temp file, fsync, rename, fsync the directory.
import { closeSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

let written = 0;

/** Atomically replaces `path` with `data` (temp file + fsync + rename + directory fsync). */
export function atomicWriteFileSync(path: string, data: string | Buffer, mode = 0o644, durable = true): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  if (durable) {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}

/**
 * atomicWriteFileSync's twin for the daemon's hot paths: each step runs in the thread pool, since on a busy
 * disk a file creation or rename waits for the journal for milliseconds, and the event loop's thread is
 * shared by every request. The temp name is unique per write, as two writes of one path may overlap.
 */
export async function atomicWriteFile(
  path: string,
  data: string | Buffer,
  mode = 0o644,
  durable = true,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++written}.tmp`);
  const file = await open(tmp, 'w', mode);
  try {
    await file.writeFile(data);
    if (durable) await file.sync();
  } catch (err) {
    await file.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await file.close();
  await rename(tmp, path);
  if (durable) {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
