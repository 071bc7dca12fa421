// The two filesystem steps the content store's durability rests on: fsync of a directory after a rename
// into it (rename(2) is atomic, but only durable once the directory is synced), and existence checks that
// tell "absent" from a real error.
import { open, stat } from 'node:fs/promises';

/** fsync(2) of a directory, so a rename into it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** Whether `path` exists; errors other than ENOENT are thrown. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
