// Whether overlayfs works for snapshots under a directory, found by trying it as containerd's overlay
// plugin does: the kernel must know overlay (/proc/filesystems, or load it on the first mount), the
// directory must not itself be on overlayfs (an overlay upper layer cannot live on overlay), and a real
// overlay mount with two lower layers must show their merged contents and take writes into the upper.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../base/errors.js';
import { native } from '../base/native.js';
import { mountAll, unmountAll } from './mount.js';

/** The statfs(2) f_type of overlayfs (OVERLAYFS_SUPER_MAGIC, include/uapi/linux/magic.h). */
const OVERLAYFS_SUPER_MAGIC = 0x794c7630n;

/** The answer of checkOverlaySupport. */
export type OverlaySupport = { supported: true } | { supported: false; reason: string };

/** Tries overlayfs in a scratch directory under `dir` (created if needed) and removes the scratch after. */
export async function checkOverlaySupport(dir: string): Promise<OverlaySupport> {
  if (process.getuid?.() !== 0) return { supported: false, reason: 'mounting overlayfs needs root' };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (native().statfs(dir).type === OVERLAYFS_SUPER_MAGIC)
    return { supported: false, reason: `"${dir}" is on overlayfs, which cannot hold overlay upper layers` };
  const known =
    existsSync('/proc/filesystems') && /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  const scratch = await mkdtemp(join(dir, '.overlay-check-'));
  const merged = join(scratch, 'merged');
  try {
    for (const d of ['l1', 'l2', 'upper', 'work', 'merged']) await mkdir(join(scratch, d));
    await writeFile(join(scratch, 'l1', 'a'), 'lower1');
    await writeFile(join(scratch, 'l2', 'b'), 'lower2');
    const options = [
      `lowerdir=${join(scratch, 'l1')}:${join(scratch, 'l2')}`,
      `upperdir=${join(scratch, 'upper')}`,
      `workdir=${join(scratch, 'work')}`,
    ];
    try {
      mountAll([{ type: 'overlay', source: 'overlay', options }], merged);
    } catch (err) {
      const hint = known ? '' : ' (overlay is not in /proc/filesystems)';
      return { supported: false, reason: `test mount failed${hint}: ${messageOf(err)}` };
    }
    try {
      const seen = `${await readFile(join(merged, 'a'), 'utf8')},${await readFile(join(merged, 'b'), 'utf8')}`;
      await writeFile(join(merged, 'c'), 'upper');
      if (seen !== 'lower1,lower2' || !existsSync(join(scratch, 'upper', 'c')))
        return { supported: false, reason: 'test mount did not merge its layers' };
    } finally {
      unmountAll(merged);
    }
    return { supported: true };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
