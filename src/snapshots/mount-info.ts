// Which mounts use a directory, from /proc/self/mountinfo (proc(5)): mount points at or below it, bind
// mounts of it or of anything below it (same device, and a mount root inside it), and overlay mounts whose
// lowerdir/upperdir/workdir (in the super options) name it. A snapshot in use is never removed: deleting
// an overlay's upper or lower directory under a live mount corrupts it, deleting a bind-mounted tree
// pulls a container's root filesystem from under it, and a recursive delete through a mount point would
// delete the mounted filesystem's files.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One line of mountinfo, the fields that matter here. */
interface MountLine {
  device: string;
  root: string;
  mountPoint: string;
  fstype: string;
  superOptions: string;
}

/** Mount points, bind mounts and overlay mounts that use `dir` or anything below it. */
export function mountsUsing(dir: string): string[] {
  const lines = readMountInfo();
  const found: string[] = [];
  const home = containingMount(lines, dir);
  const dirInFs = home ? join(home.root, relative(home.mountPoint, dir)) : undefined;
  for (const m of lines) {
    if (within(m.mountPoint, dir)) found.push(m.mountPoint);
    else if (home && m !== home && m.device === home.device && dirInFs && within(m.root, dirInFs))
      found.push(m.mountPoint);
    else if (m.fstype === 'overlay' && overlayDirs(m.superOptions).some((d) => within(d, dir)))
      found.push(m.mountPoint);
  }
  return found;
}

function readMountInfo(): MountLine[] {
  const lines: MountLine[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f.length < 10 || sep < 0) continue;
    lines.push({
      device: f[2]!,
      root: unescape(f[3]!),
      mountPoint: unescape(f[4]!),
      fstype: f[sep + 1] ?? '',
      superOptions: unescape(f[sep + 3] ?? ''),
    });
  }
  return lines;
}

/** The mount whose mount point is the deepest prefix of `dir` (the last one wins when stacked). */
function containingMount(lines: MountLine[], dir: string): MountLine | undefined {
  let best: MountLine | undefined;
  for (const m of lines)
    if (within(dir, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  return best;
}

function overlayDirs(options: string): string[] {
  const dirs: string[] = [];
  for (const opt of options.split(',')) {
    const eq = opt.indexOf('=');
    const key = opt.slice(0, eq);
    if (key === 'lowerdir' || key === 'upperdir' || key === 'workdir')
      dirs.push(...opt.slice(eq + 1).split(':'));
  }
  return dirs;
}

function within(path: string, dir: string): boolean {
  return path === dir || dir === '/' || path.startsWith(`${dir}/`);
}

function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
