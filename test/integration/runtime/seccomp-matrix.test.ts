// The same syscalls under berth-runtime, runc and crun with the same profiles, outcome by outcome: Docker's
// default profile converted as dockerd converts it for Docker's default capabilities, Berth's own default, and
// custom profiles that use every action, every operator and the x86 ABIs. A call whose outcome differs between
// runtimes fails the test with a table of what each said; the filter's answers are also checked against what
// the profile says (the kernel's answers to allowed calls, e.g. EAFNOSUPPORT, only have to agree).
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Seccomp, Spec } from '../../../src/oci/runtime-spec.js';
import { defaultSeccompProfile, dockerProfileToOci, hostArch } from '../../../src/runtime/seccomp/index.js';
import { CRUN_OCI_VERSION, mountMissingV1Hierarchies } from '../../fixtures/crun.js';
import { DOCKER_DEFAULT_CAPS, DOCKER_PROFILE } from '../../unit/runtime/seccomp/docker-default.js';
import { Bundle, RUNTIME, skipUnlessRoot } from './harness.js';
import { KILLED_BY_SIGSYS, operatorProbes, probe, runInside, RuntimeBinary } from './seccomp-probe.js';
import { spawnSync } from 'node:child_process';

type Rule = NonNullable<Seccomp['syscalls']>[number];

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const peers = ['runc', 'crun'].map((name) => [name, which(name)] as const);
const missing = peers.filter(([, bin]) => !bin).map(([name]) => name);
const skip =
  skipUnlessRoot ||
  (missing.length ? `needs ${missing.join(' and ')} (Debian packages, see scripts/setup.sh)` : false) ||
  (process.arch === 'x64' ? false : 'the matrix probes x86_64 syscall numbers and ABIs');

/** Outcome the filter decides; `null` where the kernel answers an allowed call (only agreement is checked). */
type Expected = Record<string, string | null>;

const DOCKER_CAPS_SET = {
  bounding: [...DOCKER_DEFAULT_CAPS],
  effective: [...DOCKER_DEFAULT_CAPS],
  permitted: [...DOCKER_DEFAULT_CAPS],
};

// clone(2) flags; SIGCHLD (17) as the exit signal.
const CLONE = { SIGCHLD: 0x11, NEWNS: 0x20000, NEWUSER: 0x10000000, NEWNET: 0x40000000, NEWPID: 0x20000000 };
const hex = (n: number): string => '0x' + n.toString(16);

/** Calls that Docker's default profile decides, and what it decides for a container with its default caps. */
const DEFAULT_PROFILE_CALLS: Expected = {
  getpid: 'ok',
  // personality: only the listed values, compared on all 64 bits (on i386 only the low 32 exist).
  'personality 0': 'ok',
  'personality 8': 'ok',
  'personality 0x20000': 'ok',
  'personality 0x20008': 'ok',
  'personality 0xffffffff': 'ok',
  'personality 1': 'EPERM',
  'personality 0x40000': 'EPERM',
  'personality 0x100000008': 'EPERM',
  '--i386 personality 8': 'ok',
  '--i386 personality 0x40000': 'EPERM',
  // clone only without namespace flags; clone3 says ENOSYS so that libcs fall back to clone; no unshare.
  [`clone ${hex(CLONE.SIGCHLD)}`]: 'ok',
  [`clone ${hex(CLONE.SIGCHLD | CLONE.NEWUSER)}`]: 'EPERM',
  [`clone ${hex(CLONE.SIGCHLD | CLONE.NEWNS)}`]: 'EPERM',
  [`clone ${hex(CLONE.SIGCHLD | CLONE.NEWNET | CLONE.NEWPID)}`]: 'EPERM',
  [`--i386 clone ${hex(CLONE.SIGCHLD | CLONE.NEWUSER)}`]: 'EPERM',
  'clone3 0': 'ENOSYS',
  [`clone3 ${hex(CLONE.NEWUSER)}`]: 'ENOSYS',
  'unshare 0': 'EPERM',
  [`unshare ${hex(CLONE.NEWUSER)}`]: 'EPERM',
  // socket: every family but AF_ALG (38) and AF_VSOCK (40); the high word is compared too, the kernel then
  // sees only the int.
  'socket 2 1 0': null, // AF_INET
  'socket 10 2 0': null, // AF_INET6
  'socket 16 3 9': null, // AF_NETLINK, NETLINK_AUDIT
  'socket 1 1 0': null, // AF_UNIX
  'socket 38 5 0': 'EPERM',
  'socket 39 1 0': null,
  'socket 40 1 0': 'EPERM',
  'socket 41 1 0': null,
  'socket 0x100000026 5 0': null,
  '--i386 socket 38 5 0': 'EPERM',
  '--i386 socket 2 1 0': null,
  // Refused without the capability that would make them useful.
  'mount /proc /mnt 0 0 0': 'EPERM',
  'umount2 / 0': 'EPERM',
  'setns 0 0': 'EPERM',
  'sethostname buf 1': 'EPERM',
  'kexec_load 0 0 0 0': 'EPERM',
  'init_module 0 0 /': 'EPERM',
  'bpf 0 0 0': 'EPERM',
  'perf_event_open 0 0 0 0 0': 'EPERM',
  'reboot 0 0 0 0': 'EPERM',
  'syslog 3 buf 10': 'EPERM',
  'acct 0': 'EPERM',
  'open_by_handle_at 0 0 0': 'EPERM',
  'settimeofday 0 0': 'EPERM',
  'mbind 0 0 0 0 0 0': 'EPERM',
  'keyctl 0 0 0 0 0': 'EPERM',
  'add_key 0 0 0 0 0': 'EPERM',
  'io_uring_setup 1 buf': 'EPERM',
  'userfaultfd 0': 'EPERM',
  'pivot_root / /': 'EPERM',
  'iopl 0': 'EPERM',
  // Allowed with a capability Docker grants (CAP_SYS_CHROOT), or by kernel version (ptrace since 4.8).
  'chroot /': 'ok',
  'ptrace 16 999999 0 0': 'ESRCH',
  // The other ABIs: listed, so filtered by their own numbers; this kernel has no x32 (ENOSYS once allowed).
  '--i386 getpid': 'ok',
  '--i386 kexec_load 0 0 0 0': 'EPERM',
  '--x32 getpid': 'ENOSYS',
  '--x32 kexec_load 0 0 0 0': 'EPERM',
  // By number: the syscalls Linux added since 6.1. 450 needs CAP_SYS_NICE; 451-456 are listed and known to
  // every runtime here; 457-466 are listed but newer than Debian's libseccomp 2.5.4 (see KNOWN); 467 on are
  // newer than the profile, so ENOSYS (runc's stub, which Berth follows), not EPERM.
  '450 0 0 0 0': 'EPERM',
  '451 0 0 0 0 0': null,
  '452 0 0 0 0': null,
  '454 0 0 0 0 0': null,
  '456 0 0 0 0 0': null,
  '457 0 0 0 0': null,
  '460 0 0 0 0': 'EPERM',
  '462 0 0 0': null,
  '464 0 0 0 0 0': null,
  '467 0 0 0 0': 'ENOSYS',
  '1000': 'ENOSYS',
  // The same stub per ABI: i386 above its last syscall; x32 above its 512-547 range, its gap below it not.
  '--i386 440 0 0 0': 'EPERM',
  '--i386 1000': 'ENOSYS',
  '--x32 500': 'EPERM',
  '--x32 600': 'ENOSYS',
  // socketcall and ipc are allowed whole (only socket(2) itself is argument-checked).
  '--i386 socketcall 1 0': null,
  '--i386 ipc 1 0 0 0': null,
};

/** A peer's documented, different answer to one call, and why: the test insists on exactly that. */
interface Known {
  runtime: 'runc' | 'crun';
  outcome: string;
}

// crun 1.8 has no stub for syscalls newer than the profile (runc's libcontainer/seccomp/patchbpf): they get the
// default action. Debian's libseccomp 2.5.4 (under both peers) knows syscalls up to futex_requeue (456): the
// profile's newer names are dropped, so runc's stub answers ENOSYS for them and crun the default EPERM, where
// Berth, which knows them, does what the profile says (as Docker with libseccomp 2.6 does).
const NEWER_THAN_PEERS: Known[] = [
  { runtime: 'runc', outcome: 'ENOSYS' },
  { runtime: 'crun', outcome: 'EPERM' },
];
const KNOWN: Record<string, Known[]> = {
  '457 0 0 0 0': NEWER_THAN_PEERS,
  '460 0 0 0 0': [{ runtime: 'runc', outcome: 'ENOSYS' }],
  '462 0 0 0': NEWER_THAN_PEERS,
  '464 0 0 0 0 0': NEWER_THAN_PEERS,
  '467 0 0 0 0': [{ runtime: 'crun', outcome: 'EPERM' }],
  '1000': [{ runtime: 'crun', outcome: 'EPERM' }],
  '--i386 1000': [{ runtime: 'crun', outcome: 'EPERM' }],
  '--x32 600': [{ runtime: 'crun', outcome: 'EPERM' }],
  // Berth tries one syscall's conditional rules in the profile's order, first match wins; libseccomp sorts
  // them by argument index and value (db.c _db_tree_add) and here tests the arg1 rule first.
  'sched_get_priority_max 1 2': [
    { runtime: 'runc', outcome: 'E1011' },
    { runtime: 'crun', outcome: 'E1011' },
  ],
};

const allowBut = (...syscalls: Rule[]): Seccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls });
const errno = (name: string, errnoRet: number, args?: Rule['args']): Rule => ({
  names: [name],
  action: 'SCMP_ACT_ERRNO',
  errnoRet,
  ...(args ? { args } : {}),
});

const OPS = operatorProbes(
  ['getresuid', 'getresgid', 'getgroups', 'getpgrp', 'getpriority', 'getcpu', 'getrusage'],
  null,
);

/** Every action and operator, and i386 listed but x32 not. */
const CUSTOM: Seccomp = {
  ...allowBut(
    errno('getppid', 1234),
    { names: ['getpgid'], action: 'SCMP_ACT_ERRNO' },
    { names: ['getuid'], action: 'SCMP_ACT_TRAP' },
    { names: ['gettid'], action: 'SCMP_ACT_KILL_PROCESS' },
    { names: ['getgid'], action: 'SCMP_ACT_KILL_THREAD' },
    { names: ['getsid'], action: 'SCMP_ACT_KILL' },
    { names: ['geteuid'], action: 'SCMP_ACT_TRACE' },
    { names: ['getegid'], action: 'SCMP_ACT_LOG' },
    ...OPS.rules,
    errno('sched_yield', 1008, [
      { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
      { index: 1, value: 2, op: 'SCMP_CMP_EQ' },
    ]),
    errno('sched_get_priority_max', 1010, [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }]),
    errno('sched_get_priority_max', 1011, [{ index: 1, value: 2, op: 'SCMP_CMP_EQ' }]),
    errno('sched_getscheduler', 1009, [
      { index: 1, value: 10, op: 'SCMP_CMP_GE' },
      { index: 1, value: 20, op: 'SCMP_CMP_LE' },
    ]),
  ),
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
};

const CUSTOM_CALLS: Expected = {
  getppid: 'E1234',
  'getpgid 0': 'EPERM',
  getuid: 'trap',
  gettid: 'killed',
  getgid: 'killed',
  'getsid 0': 'killed',
  '--thread gettid': 'killed',
  '--thread getgid': 'thread-killed',
  '--thread getsid 0': 'thread-killed',
  geteuid: 'ENOSYS',
  getegid: 'ok',
  ...OPS.calls,
  'sched_yield 1 2': 'E1008',
  'sched_yield 1 3': 'ok',
  'sched_yield 0 2': 'ok',
  // One argument compared twice: every runtime adds each comparison as a rule of its own (ORed).
  'sched_getscheduler 0 15': 'E1009',
  'sched_getscheduler 0 25': 'E1009',
  'sched_getscheduler 0 5': 'E1009',
  // Two conditional rules with different actions that both match (see KNOWN).
  'sched_get_priority_max 0 2': 'E1011',
  'sched_get_priority_max 1 0': 'E1010',
  'sched_get_priority_max 1 2': 'E1010',
  // i386 is listed and has its own numbers for the same names; on i386 only the low words are compared.
  '--i386 getppid': 'E1234',
  '--i386 getpid': 'ok',
  '--i386 getresuid 5 0 0': 'E1001',
  // x32 is not listed: a bad architecture, which kills.
  '--x32 getpid': 'killed',
};

describe('seccomp matrix: berth-runtime, runc and crun', { skip }, () => {
  let bundle: Bundle;
  let runtimes: RuntimeBinary[];
  before(async () => {
    mountMissingV1Hierarchies();
    bundle = await Bundle.create();
    bundle.spec.ociVersion = CRUN_OCI_VERSION;
    runtimes = [
      new RuntimeBinary('berth-runtime', RUNTIME),
      ...peers.map(([n, b]) => new RuntimeBinary(n, b!)),
    ];
  });
  after(async () => {
    for (const rt of runtimes ?? []) await rt.cleanup();
    bundle?.remove();
  });

  /** Runs `calls` under every runtime; fails on any disagreement, then on any filter outcome not expected. */
  async function compare(seccomp: Seccomp, expected: Expected, mutate?: (s: Spec) => void): Promise<void> {
    const calls = Object.keys(expected);
    const by: Record<string, Record<string, string>> = {};
    for (const rt of runtimes) by[rt.name] = await probe(rt, bundle, seccomp, calls, mutate);
    const berth = by['berth-runtime']!;
    const wanted = (rt: RuntimeBinary, c: string): string =>
      KNOWN[c]?.find((k) => k.runtime === rt.name)?.outcome ?? berth[c]!;
    const differing = calls
      .filter((c) => runtimes.some((rt) => by[rt.name]![c] !== wanted(rt, c)))
      .map((c) => `${c}: ${runtimes.map((rt) => `${rt.name} ${by[rt.name]![c]}`).join(', ')}`);
    assert.deepEqual(differing, [], 'the runtimes disagree (beyond the KNOWN differences)');
    const want = Object.fromEntries(calls.map((c) => [c, expected[c] ?? berth[c]]));
    assert.deepEqual(berth, want, "berth-runtime's outcomes are not the profile's");
  }

  const dockerCaps = (s: Spec): void => {
    s.process!.capabilities = structuredClone(DOCKER_CAPS_SET);
    s.process!.noNewPrivileges = false; // Docker's default
  };

  test("Docker's default profile, for Docker's default capabilities", async () => {
    const oci = dockerProfileToOci(DOCKER_PROFILE, {
      caps: [...DOCKER_DEFAULT_CAPS],
      arch: hostArch(),
      kernel: release(),
    })!;
    await compare(oci, DEFAULT_PROFILE_CALLS, dockerCaps);
  });

  test("Berth's default profile, for Docker's default capabilities", async () => {
    await compare(defaultSeccompProfile(DOCKER_DEFAULT_CAPS), DEFAULT_PROFILE_CALLS, dockerCaps);
  });

  test('every action and operator, i386 listed and x32 not (with no_new_privs)', async () => {
    await compare(CUSTOM, CUSTOM_CALLS);
  });

  test('SCMP_ACT_ERRNO by default with defaultErrnoRet (without no_new_privs)', async () => {
    const profile = defaultSeccompProfile(DOCKER_DEFAULT_CAPS);
    profile.defaultErrnoRet = 95;
    await compare(
      profile,
      { getpid: 'ok', 'kexec_load 0 0 0 0': 'EOPNOTSUPP', 'unshare 0': 'EOPNOTSUPP', 'clone3 0': 'ENOSYS' },
      dockerCaps,
    );
  });

  test('a kill is seen by each runtime as SIGSYS', async () => {
    for (const rt of runtimes) {
      const r = await runInside(rt, bundle, ['syscall', 'getppid'], (s) => {
        s.linux!.seccomp = allowBut({ names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' });
      });
      assert.deepEqual([rt.name, r.code, r.stdout], [rt.name, KILLED_BY_SIGSYS, '']);
    }
  });

  test('each runtime installs the filter before the user switch without no_new_privs, after it with', async () => {
    // runc switches with setuid(2), crun and berth-init with setresuid(2).
    const denySetresuid = allowBut({ names: ['setuid', 'setresuid'], action: 'SCMP_ACT_ERRNO' });
    for (const nnp of [false, true]) {
      const codes = [];
      for (const rt of runtimes) {
        const r = await runInside(rt, bundle, ['ids'], (s) => {
          s.linux!.seccomp = denySetresuid;
          s.process!.user = { uid: 1000, gid: 1000 };
          s.process!.noNewPrivileges = nnp;
        });
        codes.push([rt.name, r.code === 0 ? 'runs' : 'fails']);
      }
      const want = nnp ? 'runs' : 'fails';
      assert.deepEqual(
        codes,
        runtimes.map((rt) => [rt.name, want]),
        `noNewPrivileges ${nnp}`,
      );
    }
  });
});
