// The typed face of native/addon (berth.node): the syscalls Node lacks. Every function is synchronous.
// A failed syscall throws an Error shaped like Node's fs errors (a NodeJS.ErrnoException):
//   code 'ENOENT', errno -2 (negative, as Node's), syscall 'mount', path '/x' (dest for renameat2),
//   message `mount "/x": No such file or directory`.
// A bad argument throws a TypeError with code 'ERR_INVALID_ARG_TYPE' (strings must hold no NUL byte).
// Every fd the addon returns is close-on-exec, like Node's own, so spawned children never inherit it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BerthError, wrap } from './errors.js';
import { packageRoot } from './package-root.js';

/** statfs(2) of a path: `type` is a bigint (a magic number such as 0x01021994n for tmpfs), the rest numbers. */
export interface StatFs {
  /** Filesystem magic (f_type), e.g. TMPFS_MAGIC 0x01021994n, OVERLAYFS_SUPER_MAGIC 0x794c7630n. */
  type: bigint;
  /** Optimal transfer block size (f_bsize). */
  bsize: number;
  /** Total data blocks (f_blocks). */
  blocks: number;
  /** Free blocks (f_bfree). */
  bfree: number;
  /** Free blocks available to unprivileged users (f_bavail). */
  bavail: number;
  /** Total inodes (f_files). */
  files: number;
  /** Free inodes (f_ffree). */
  ffree: number;
  /** Mount flags (f_flags): ST_RDONLY 1, ST_NOSUID 2, ST_NODEV 4, ST_NOEXEC 8, ... ST_RELATIME 4096. */
  flags: number;
}

/** The addon's functions and constants (native/addon/main.c is the other half; keep them in step). */
export interface Native {
  /** mount(2); source, fstype and data may be null (bind mounts, remounts, propagation changes). */
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: bigint | number,
    data: string | null,
  ): void;
  /** umount2(2) with MNT_* / UMOUNT_NOFOLLOW flags. */
  umount2(target: string, flags: number): void;
  /** mount(2) in libuv's thread pool (native/addon/async.c); rejects with the error mount throws. */
  mountAsync(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: bigint | number,
    data: string | null,
  ): Promise<void>;
  /** umount2(2) in libuv's thread pool; rejects with the error umount2 throws. */
  umount2Async(target: string, flags: number): Promise<void>;
  /** mkfifo(3); the umask applies. */
  mkfifo(path: string, mode: number): void;
  /** mknod(2): mode holds the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permissions; dev from makedev(). */
  mknod(path: string, mode: number, dev: bigint | number): void;
  /** statfs(2). */
  statfs(path: string): StatFs;
  /** openat2(2) → fd; O_CLOEXEC is always added, mode is ignored without O_CREAT/O_TMPFILE; retries EAGAIN. */
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number;
  /** renameat2(2) with RENAME_NOREPLACE / RENAME_EXCHANGE / RENAME_WHITEOUT. */
  renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): void;
  /** lsetxattr(2): sets an xattr on the path itself, never a symlink's target; flags XATTR_CREATE/REPLACE or 0. */
  lsetxattr(path: string, name: string, value: Uint8Array, flags: number): void;
  /** lgetxattr(2): the value, or null when the attribute is absent (ENODATA). */
  lgetxattr(path: string, name: string): Buffer | null;
  /** llistxattr(2): the attribute names, in the kernel's order. */
  llistxattr(path: string): string[];
  /** pidfd_open(2) → a close-on-exec pidfd that keeps naming this process even after its pid is reused. */
  pidfdOpen(pid: number): number;
  /** pidfd_send_signal(2): kill(2) that cannot reach a recycled pid. */
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** Field 22 of /proc/<pid>/stat (start time in clock ticks after boot), or null when there is no such process. */
  processStartTime(pid: number): bigint | null;
  /** Sends fd over an AF_UNIX socket (SCM_RIGHTS) with `name` as the bytes, as runc's console socket does; blocks. */
  sendFd(socketFd: number, fd: number, name: string): void;
  /** Receives one fd (close-on-exec) sent by sendFd or a runc-style console socket; blocks; throws code 'EOF' at end. */
  recvFd(socketFd: number): number;
  /** pipe2(2) with O_CLOEXEC → [readFd, writeFd]. */
  pipe(): [number, number];
  /**
   * posix_spawn(3) of `file` with `argv` (argv[0] included) and `env` ("K=V" strings; default this
   * process's environment): child fd i is our `fds[i]`, every other fd is closed on exec; signals start at
   * their defaults, unblocked; `setsid` gives the child its own session. Returns the pid. Reap it with
   * waitpid.
   */
  spawn(file: string, argv: string[], fds: number[], setsid: boolean, env?: string[]): number;
  /** waitpid(2) → exit code, or 128 + signal; blocks until the child has exited. */
  waitpid(pid: number, nohang: false): number;
  /** waitpid(2) with WNOHANG: null while the child runs. */
  waitpid(pid: number, nohang: true): number | null;
  /** bpf(2) BPF_PROG_LOAD of `insns` (8-byte struct bpf_insn each) → fd; a refusal carries the verifier's log. */
  bpfProgLoad(type: number, insns: Uint8Array, license: string): number;
  /** bpf(2) BPF_PROG_ATTACH of progFd to targetFd (a cgroup directory); replaceFd (or -1) with BPF_F_REPLACE. */
  bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number, replaceFd: number): void;
  /** bpf(2) BPF_PROG_DETACH of one program from targetFd. */
  bpfProgDetach(targetFd: number, progFd: number, attachType: number): void;
  /** bpf(2) BPF_PROG_QUERY: ids of the programs attached to targetFd itself for attachType. */
  bpfProgQuery(targetFd: number, attachType: number): number[];
  /** bpf(2) BPF_PROG_GET_FD_BY_ID → fd of a loaded program. */
  bpfProgGetFdById(id: number): number;
  /** eventfd(2) → fd (EFD_CLOEXEC always; flags may add EFD_NONBLOCK). Read 8 bytes for the counter. */
  eventfd(initval: number, flags: number): number;
  /**
   * A new network namespace bind-mounted on `path` (created, must not exist), made by unshare(CLONE_NEWNET)
   * on the calling thread and setns back, as `ip netns add` does; remove it with umount2 + unlink.
   */
  netnsCreate(path: string): void;

  // mount(2) flags
  readonly MS_RDONLY: number;
  readonly MS_NOSUID: number;
  readonly MS_NODEV: number;
  readonly MS_NOEXEC: number;
  readonly MS_SYNCHRONOUS: number;
  readonly MS_REMOUNT: number;
  readonly MS_MANDLOCK: number;
  readonly MS_DIRSYNC: number;
  readonly MS_NOSYMFOLLOW: number;
  readonly MS_NOATIME: number;
  readonly MS_NODIRATIME: number;
  readonly MS_BIND: number;
  readonly MS_MOVE: number;
  readonly MS_REC: number;
  readonly MS_SILENT: number;
  readonly MS_UNBINDABLE: number;
  readonly MS_PRIVATE: number;
  readonly MS_SLAVE: number;
  readonly MS_SHARED: number;
  readonly MS_RELATIME: number;
  readonly MS_STRICTATIME: number;
  readonly MS_LAZYTIME: number;
  // umount2(2) flags
  readonly MNT_FORCE: number;
  readonly MNT_DETACH: number;
  readonly MNT_EXPIRE: number;
  readonly UMOUNT_NOFOLLOW: number;
  // renameat2(2) flags
  readonly RENAME_NOREPLACE: number;
  readonly RENAME_EXCHANGE: number;
  readonly RENAME_WHITEOUT: number;
  // openat2(2) resolve flags, and what Node's fs.constants lacks for it
  readonly RESOLVE_NO_XDEV: number;
  readonly RESOLVE_NO_MAGICLINKS: number;
  readonly RESOLVE_NO_SYMLINKS: number;
  readonly RESOLVE_BENEATH: number;
  readonly RESOLVE_IN_ROOT: number;
  readonly RESOLVE_CACHED: number;
  readonly AT_FDCWD: number;
  readonly O_PATH: number;
  readonly O_CLOEXEC: number;
  // lsetxattr(2) flags
  readonly XATTR_CREATE: number;
  readonly XATTR_REPLACE: number;
  // bpf(2): cgroup device programs
  readonly BPF_PROG_TYPE_CGROUP_DEVICE: number;
  readonly BPF_CGROUP_DEVICE: number;
  readonly BPF_F_ALLOW_MULTI: number;
  readonly BPF_F_REPLACE: number;
  // eventfd(2)
  readonly EFD_NONBLOCK: number;
}

let loaded: Native | undefined;

/** Where the addon is expected: `<package root>/native/build/berth.node`. */
export function addonPath(): string {
  return join(packageRoot(), 'native', 'build', 'berth.node');
}

/** The addon, loaded on first use and cached; throws when it has not been built (`make -C native`). */
export function native(): Native {
  if (loaded) return loaded;
  const path = addonPath();
  if (!existsSync(path))
    throw new BerthError('FailedPrecondition', `native addon "${path}": not built (run "make -C native")`);
  // A local name, not `require`: esbuild must leave this call alone when it bundles dist/*.
  const load = createRequire(import.meta.url);
  try {
    loaded = load(path) as Native;
  } catch (err) {
    throw wrap(err, `load native addon "${path}"`);
  }
  return loaded;
}

/** A dev_t from major and minor numbers, encoded as glibc's makedev(3) does (for mknod). */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}
