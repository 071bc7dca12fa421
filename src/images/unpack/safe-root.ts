// Filesystem operations confined to one directory (the unpack target). Every path is resolved from an fd
// of the target with openat2(2) RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: a symlink or ".." that would leave
// the target fails with EXDEV instead of being followed, so an entry can never be written outside it, however
// earlier entries arranged symlinks (CVE-2018-15664 and the tar-slip family). Entries are then created in
// their parent with the *at-equivalent "/proc/self/fd/<parent fd>/<name>": the kernel resolves the fd, and
// the final name is never followed (mkdir, symlink, mknod, link, O_CREAT|O_EXCL|O_NOFOLLOW create it fresh).
import { closeSync, constants as fsc, mkdirSync } from 'node:fs';
import { BerthError } from '../../base/errors.js';
import { native } from '../../base/native.js';

/** How parents are resolved: inside the target, symlinks followed only while they stay inside. */
function resolveFlags(): number {
  const n = native();
  return n.RESOLVE_BENEATH | n.RESOLVE_NO_MAGICLINKS;
}

/** The path through which the kernel reaches `name` inside the directory open as `fd`. */
export function atPath(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

/** An open unpack target. */
export class SafeRoot {
  readonly fd: number;

  constructor(readonly dir: string) {
    const n = native();
    try {
      this.fd = n.openat2(n.AT_FDCWD, dir, n.O_PATH | fsc.O_DIRECTORY, 0, 0);
    } catch (err) {
      throw new BerthError('NotFound', `unpack target "${dir}": ${(err as Error).message}`, { cause: err });
    }
  }

  /** Closes the target's fd. */
  close(): void {
    closeSync(this.fd);
  }

  /**
   * An O_PATH fd of the directory at `comps` (relative, already validated), creating missing directories
   * (0755, root-owned, as docker and containerd do for parents a layer does not list) when `create` is set.
   * `entry` names the tar entry in errors. The caller closes the fd.
   */
  openDir(comps: readonly string[], create: boolean, entry: string): number {
    const n = native();
    const flags = n.O_PATH | fsc.O_DIRECTORY;
    try {
      return n.openat2(this.fd, comps.length === 0 ? '.' : comps.join('/'), flags, 0, resolveFlags());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || !create) throw this.resolveError(err, comps, entry);
    }
    // Walk down, creating what is missing; each step is resolved from the target again.
    let fd = n.openat2(this.fd, '.', flags, 0, resolveFlags());
    for (let i = 0; i < comps.length; i++) {
      const name = comps[i] as string;
      let next: number;
      try {
        next = n.openat2(fd, name, flags, 0, resolveFlags());
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          closeSync(fd);
          throw this.resolveError(err, comps.slice(0, i + 1), entry);
        }
        try {
          mkdirSync(atPath(fd, name), 0o755);
          next = n.openat2(fd, name, flags, 0, resolveFlags() | n.RESOLVE_NO_SYMLINKS);
        } catch (err2) {
          closeSync(fd);
          throw this.resolveError(err2, comps.slice(0, i + 1), entry);
        }
      }
      closeSync(fd);
      fd = next;
    }
    return fd;
  }

  /** Opens `name` in directory `dirFd` with `flags`, never following a symlink there. */
  openIn(dirFd: number, name: string, flags: number, mode: number): number {
    const n = native();
    return n.openat2(dirFd, name, flags | fsc.O_NOFOLLOW, mode, resolveFlags() | n.RESOLVE_NO_SYMLINKS);
  }

  /** Turns a failed resolution into an error that names the entry and says what went wrong. */
  private resolveError(err: unknown, comps: readonly string[], entry: string): BerthError {
    const code = (err as NodeJS.ErrnoException).code;
    const where = comps.join('/');
    if (code === 'EXDEV' || code === 'ELOOP')
      return new BerthError(
        'PermissionDenied',
        `entry "${entry}": "${where}" resolves outside the target through a symlink`,
        { cause: err },
      );
    if (code === 'ENOTDIR')
      return new BerthError('InvalidArgument', `entry "${entry}": "${where}" is not a directory`, {
        cause: err,
      });
    if (code === 'ENOENT')
      return new BerthError('NotFound', `entry "${entry}": "${where}" does not exist`, { cause: err });
    return new BerthError('Internal', `entry "${entry}": open "${where}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}
