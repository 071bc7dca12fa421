// Berth's default seccomp profile: what a container may ask of the kernel when nobody says otherwise. It is
// written for Berth, by purpose, and is held to one promise: it allows and denies exactly what Docker's default
// profile does (moby/profiles seccomp default.json, in ../shared/specs/seccomp), so that images behave the same
// under Berth as under Docker (DESIGN.md "Security defaults"). test/unit/runtime/seccomp/default-profile.test.ts
// checks that promise rule by rule and by running both compiled programs on every syscall number.
//
// The shape: everything not listed fails with EPERM. Most of the list is unconditional; some syscalls are
// allowed only with the capability the kernel itself would ask for (so a container given CAP_SYS_TIME can
// also get past seccomp to set the clock), a few only on one architecture, and a few only with safe arguments.
import { release } from 'node:os';
import { BerthError } from '../../base/errors.js';
import { NAMESPACE_FLAGS } from '../../oci/linux.js';
import type { Seccomp } from '../../oci/runtime-spec.js';
import { hostArch, type NativeArch } from './arch.js';

type SeccompRule = NonNullable<Seccomp['syscalls']>[number];

/** A set of syscalls the profile treats alike, and when it applies. */
interface Group {
  names: string[];
  /** Only for a container whose bounding set holds this capability. */
  cap?: string;
  /** Only for a container that lacks this capability. */
  withoutCap?: string;
  /** Only on this architecture. */
  arch?: NativeArch;
  /** Only on hosts running at least this kernel (major, minor). */
  minKernel?: [number, number];
  /** The rule; unconditional SCMP_ACT_ALLOW when absent. */
  action?: string;
  errnoRet?: number;
  /** Alternatives: the group allows a call when its arguments pass any one of these condition lists. */
  argsAnyOf?: NonNullable<SeccompRule['args']>[];
}

// Time-suffixed and 32-suffixed names are the 32-bit ABIs' variants (y2038 and uid16 fixes) of the same call.
const ALWAYS: Group[] = [
  {
    // Being a process: start, end, wait, learn who one is, signal others within reach.
    names: [
      ...['execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork', 'restart_syscall'],
      ...['wait4', 'waitid', 'waitpid', 'getpid', 'getppid', 'gettid', 'getpgid', 'getpgrp', 'getsid'],
      ...['setpgid', 'setsid', 'kill', 'tkill', 'tgkill', 'pidfd_open', 'pidfd_send_signal'],
      ...['process_mrelease', 'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq', 'membarrier'],
      // prctl and capget/capset only act on the caller; the kernel checks capabilities for the rest.
      ...['prctl', 'capget', 'capset', 'uretprobe'],
      // Further sandboxing by the process itself only ever narrows what it can do.
      ...['seccomp', 'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self'],
    ],
  },
  {
    // User and group ids: the kernel lets these change ids only within what CAP_SETUID/CAP_SETGID allow.
    names: [
      ...['getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32'],
      ...['getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32'],
      ...['setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32'],
      ...['setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setgroups', 'setgroups32'],
      ...['setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32'],
    ],
  },
  {
    // Signals delivered to, blocked by, or waited for by the process itself.
    names: [
      ...['rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn'],
      ...['rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo'],
      ...['sigaltstack', 'signalfd', 'signalfd4', 'sigprocmask', 'sigreturn', 'pause', 'alarm'],
    ],
  },
  {
    // The process's own memory.
    names: [
      ...['brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync'],
      ...['mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'remap_file_pages'],
      ...[
        'memfd_create',
        'memfd_secret',
        'pkey_alloc',
        'pkey_free',
        'pkey_mprotect',
        'map_shadow_stack',
        'mseal',
      ],
    ],
  },
  {
    // File descriptors: open, read, write, move data between them, and close.
    names: [
      ...['open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3'],
      ...[
        'read',
        'readv',
        'pread64',
        'preadv',
        'preadv2',
        'write',
        'writev',
        'pwrite64',
        'pwritev',
        'pwritev2',
      ],
      ...['lseek', '_llseek', 'fcntl', 'fcntl64', 'flock', 'ioctl', 'pipe', 'pipe2'],
      ...[
        'fsync',
        'fdatasync',
        'sync',
        'syncfs',
        'sync_file_range',
        'fallocate',
        'fadvise64',
        'fadvise64_64',
      ],
      ...['readahead', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice', 'copy_file_range'],
      ...['truncate', 'truncate64', 'ftruncate', 'ftruncate64', 'cachestat'],
    ],
  },
  {
    // Names in the file tree and what they point at (permission checks are the filesystem's).
    names: [
      ...['stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx'],
      ...['statfs', 'statfs64', 'fstatfs', 'fstatfs64', 'access', 'faccessat', 'faccessat2'],
      ...['chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'chown32', 'fchown', 'fchown32', 'fchownat'],
      ...['lchown', 'lchown32', 'umask', 'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat'],
      ...['link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2'],
      ...[
        'mkdir',
        'mkdirat',
        'rmdir',
        'mknod',
        'mknodat',
        'readlink',
        'readlinkat',
        'getdents',
        'getdents64',
      ],
      ...['getcwd', 'chdir', 'fchdir', 'name_to_handle_at', 'listmount', 'statmount'],
    ],
  },
  {
    // Extended attributes, by path, link, fd or dirfd.
    names: ['get', 'set', 'list', 'remove'].flatMap((verb) => [
      `${verb}xattr`,
      `l${verb}xattr`,
      `f${verb}xattr`,
      `${verb}xattrat`,
    ]),
  },
  {
    // Waiting for many things at once, and being told about them.
    names: [
      ...['poll', 'ppoll', 'ppoll_time64', 'select', '_newselect', 'pselect6', 'pselect6_time64'],
      ...['epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old'],
      ...['epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2', 'fanotify_mark'],
      ...['inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch'],
      ...['timerfd_create', 'timerfd_settime', 'timerfd_settime64', 'timerfd_gettime', 'timerfd_gettime64'],
    ],
  },
  {
    // Linux AIO (not io_uring, which Docker's profile leaves out) and I/O priorities.
    names: [
      ...['io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents'],
      ...['io_pgetevents_time64', 'ioprio_get', 'ioprio_set'],
    ],
  },
  {
    // Reading clocks, sleeping, timers. adjtimex and clock_adjtime only read unless CAP_SYS_TIME is held.
    names: [
      ...['time', 'gettimeofday', 'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64'],
      ...['clock_nanosleep', 'clock_nanosleep_time64', 'nanosleep', 'adjtimex', 'clock_adjtime'],
      ...['clock_adjtime64', 'times', 'getitimer', 'setitimer', 'timer_create', 'timer_delete'],
      ...['timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64'],
    ],
  },
  {
    // Scheduling, limits, usage and facts about the machine.
    names: [
      ...['sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr'],
      ...['sched_getparam', 'sched_setparam', 'sched_getscheduler', 'sched_setscheduler'],
      ...['sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval'],
      ...['sched_rr_get_interval_time64', 'getpriority', 'setpriority', 'getrlimit', 'ugetrlimit'],
      ...['setrlimit', 'prlimit64', 'getrusage', 'getcpu', 'sysinfo', 'uname', 'getrandom', 'riscv_hwprobe'],
    ],
  },
  {
    names: ['futex', 'futex_time64', 'futex_waitv', 'futex_wait', 'futex_wake', 'futex_requeue'],
  },
  {
    // Using sockets once made (making one is argument-checked below). socketcall is i386's door to them all.
    names: [
      ...['socketpair', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname', 'getpeername'],
      ...['getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom'],
      ...['recvmsg', 'recvmmsg', 'recvmmsg_time64', 'shutdown', 'socketcall'],
    ],
  },
  {
    // System V IPC (ipc is i386's door to it) and POSIX message queues, both per IPC namespace.
    names: [
      ...['ipc', 'semctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64'],
      ...['msgctl', 'msgget', 'msgrcv', 'msgsnd', 'shmat', 'shmctl', 'shmdt', 'shmget'],
      ...['mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedsend_time64', 'mq_timedreceive'],
      ...['mq_timedreceive_time64', 'mq_notify', 'mq_getsetattr'],
    ],
  },
  {
    // 32-bit x86 thread-local storage.
    names: ['get_thread_area', 'set_thread_area'],
  },
  {
    // Before Linux 4.8 a traced process could be made to skip its own seccomp filter (the kernel ran the
    // filter before the tracer could change the syscall), so tracing is only allowed on newer kernels.
    names: ['ptrace', 'process_vm_readv', 'process_vm_writev'],
    minKernel: [4, 8],
  },
];

const AF_ALG = 38;
const AF_VSOCK = 40;
// personality(2) values that change nothing dangerous: PER_LINUX, PER_LINUX32, UNAME26, both, and the query.
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
// clone(2) flags that create namespaces (CLONE_NEWTIME cannot be passed to clone, only to unshare/clone3).
const CLONE_NAMESPACES = Number(
  (['mount', 'cgroup', 'uts', 'ipc', 'user', 'pid', 'network'] as const).reduce(
    (mask, ns) => mask | NAMESPACE_FLAGS[ns]!,
    0n,
  ),
);

const BY_ARGUMENT: Group[] = [
  {
    // Every socket family but AF_ALG (the kernel's crypto API, a steady source of CVEs) and AF_VSOCK (a way
    // out to the hypervisor).
    names: ['socket'],
    argsAnyOf: [
      [{ index: 0, value: AF_ALG, op: 'SCMP_CMP_LT' }],
      [{ index: 0, value: AF_ALG + 1, op: 'SCMP_CMP_EQ' }],
      [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_GT' }],
    ],
  },
  {
    names: ['personality'],
    argsAnyOf: PERSONALITIES.map((value) => [{ index: 0, value, op: 'SCMP_CMP_EQ' }]),
  },
];

const BY_ARCH: Group[] = [
  { names: ['arch_prctl', 'modify_ldt'], arch: 'x86_64' },
  {
    names: [
      'arm_fadvise64_64',
      'arm_sync_file_range',
      'sync_file_range2',
      'breakpoint',
      'cacheflush',
      'set_tls',
    ],
    arch: 'aarch64',
  },
];

// What each capability lets a process do that the kernel would refuse without it anyway.
const BY_CAPABILITY: Group[] = [
  { cap: 'CAP_DAC_READ_SEARCH', names: ['open_by_handle_at'] },
  {
    cap: 'CAP_SYS_ADMIN',
    names: [
      ...['mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree'],
      ...['fsopen', 'fsconfig', 'fsmount', 'fspick', 'quotactl', 'quotactl_fd', 'fanotify_init'],
      ...['unshare', 'setns', 'clone', 'clone3', 'sethostname', 'setdomainname'],
      ...['bpf', 'perf_event_open', 'syslog', 'lookup_dcookie'],
      ...['lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules'],
    ],
  },
  {
    // Without CAP_SYS_ADMIN: clone only without namespace flags...
    withoutCap: 'CAP_SYS_ADMIN',
    names: ['clone'],
    argsAnyOf: [[{ index: 0, value: CLONE_NAMESPACES, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]],
  },
  {
    // ...and clone3 says ENOSYS: its flags sit behind a pointer that BPF cannot read, and libcs that see
    // ENOSYS fall back to clone, whose flags are checked above.
    withoutCap: 'CAP_SYS_ADMIN',
    names: ['clone3'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: 38,
  },
  { cap: 'CAP_SYS_BOOT', names: ['reboot'] },
  { cap: 'CAP_SYS_CHROOT', names: ['chroot'] },
  { cap: 'CAP_SYS_MODULE', names: ['init_module', 'finit_module', 'delete_module'] },
  { cap: 'CAP_SYS_PACCT', names: ['acct'] },
  {
    cap: 'CAP_SYS_PTRACE',
    names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'pidfd_getfd'],
  },
  { cap: 'CAP_SYS_RAWIO', names: ['iopl', 'ioperm'] },
  { cap: 'CAP_SYS_TIME', names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'] },
  { cap: 'CAP_SYS_TTY_CONFIG', names: ['vhangup'] },
  { cap: 'CAP_SYS_NICE', names: ['mbind', 'get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node'] },
  { cap: 'CAP_SYSLOG', names: ['syslog'] },
  { cap: 'CAP_BPF', names: ['bpf'] },
  { cap: 'CAP_PERFMON', names: ['perf_event_open'] },
];

// The ABIs a process on each architecture can use: x86_64 runs i386 and x32 code, aarch64 runs arm code.
const ARCHITECTURES: Record<NativeArch, string[]> = {
  x86_64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  aarch64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

/**
 * Berth's default `linux.seccomp` for a container whose bounding set is `capabilities`, on `arch` (the host's
 * by default) and a host running `kernel` (`uname -r`, this host's by default).
 */
export function defaultSeccompProfile(
  capabilities: readonly string[],
  arch: NativeArch = hostArch(),
  kernel: string = release(),
): Seccomp {
  const caps = new Set(capabilities);
  const running = kernelVersion(kernel);
  const applies = (g: Group): boolean =>
    (g.cap === undefined || caps.has(g.cap)) &&
    (g.withoutCap === undefined || !caps.has(g.withoutCap)) &&
    (g.arch === undefined || g.arch === arch) &&
    (g.minKernel === undefined || !older(running, g.minKernel));
  const syscalls: SeccompRule[] = [];
  for (const g of [...ALWAYS, ...BY_ARGUMENT, ...BY_ARCH, ...BY_CAPABILITY].filter(applies)) {
    const base: SeccompRule = { names: [...g.names], action: g.action ?? 'SCMP_ACT_ALLOW' };
    if (g.errnoRet !== undefined) base.errnoRet = g.errnoRet;
    if (!g.argsAnyOf) syscalls.push(base);
    // One rule per alternative: conditions within a rule are ANDed, rules for one syscall are ORed.
    else for (const args of g.argsAnyOf) syscalls.push({ ...base, args: args.map((a) => ({ ...a })) });
  }
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: [...ARCHITECTURES[arch]],
    syscalls,
  };
}

/** major.minor of a kernel release string (`6.1.0-18-amd64`), as dockerd reads it (Sscanf "%d.%d"). */
function kernelVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m)
    throw new BerthError('InvalidArgument', `seccomp default profile: invalid kernel release "${release}"`);
  return [Number(m[1]), Number(m[2])];
}

function older(have: [number, number], want: [number, number]): boolean {
  return have[0] < want[0] || (have[0] === want[0] && have[1] < want[1]);
}
