// Disk use of a directory tree, as containerd's fs.DiskUsage counts it: allocated blocks (st_blocks ×
// 512, stat(2)) and inodes, each inode once however many hard links name it.
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Usage } from './types.js';

/** The usage of everything below `dir`, `dir` itself included. */
export async function diskUsage(dir: string): Promise<Usage> {
  const seen = new Set<bigint>();
  let size = 0;
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path, { bigint: true });
    if (!seen.has(st.ino)) {
      seen.add(st.ino);
      size += Number(st.blocks) * 512;
    }
    if (!st.isDirectory()) return;
    for await (const entry of await opendir(path)) await visit(join(path, entry.name));
  };
  await visit(dir);
  return { size, inodes: seen.size };
}
