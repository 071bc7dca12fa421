// Disk use of a directory tree: as containerd's fs.DiskUsage counts it (allocated blocks, st_blocks ×
// 512, and inodes), or as dockerd's SizeRw counts it (the files' apparent sizes). Either way each inode
// counts once however many hard links name it.
import type { BigIntStats } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Usage } from './types.js';

/** Calls `visit` once per inode below `dir`, `dir` itself included; returns how many there were. */
async function eachInode(dir: string, visit: (st: BigIntStats) => void): Promise<number> {
  // bigint: inode numbers of overlay (xino) and other filesystems may exceed 2^53.
  const seen = new Set<bigint>();
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path, { bigint: true });
    if (!seen.has(st.ino)) {
      seen.add(st.ino);
      visit(st);
    }
    if (!st.isDirectory()) return;
    for await (const entry of await opendir(path)) await walk(join(path, entry.name));
  };
  await walk(dir);
  return seen.size;
}

/** The usage of everything below `dir`, `dir` itself included (containerd's). */
export async function diskUsage(dir: string): Promise<Usage> {
  let size = 0;
  const inodes = await eachInode(dir, (st) => (size += Number(st.blocks) * 512));
  return { size, inodes };
}

/** The bytes of the files below `dir`, directories not counted (dockerd's SizeRw). */
export async function fileBytes(dir: string): Promise<number> {
  let bytes = 0;
  await eachInode(dir, (st) => {
    if (!st.isDirectory()) bytes += Number(st.size);
  });
  return bytes;
}
