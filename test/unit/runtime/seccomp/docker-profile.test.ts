// Docker's default profile (moby/profiles seccomp v0.2.3, in ../shared/specs beside the repo): converted as
// dockerd converts it, compiled, and run in the BPF interpreter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AUDIT_ARCH,
  compileSeccomp,
  dockerProfileToOci,
  SECCOMP_RET,
  X32_SYSCALL_BIT,
} from '../../../../src/runtime/seccomp/index.js';
import { SYSCALLS_AARCH64 } from '../../../../src/runtime/seccomp/syscalls-aarch64.js';
import { SYSCALLS_I386 } from '../../../../src/runtime/seccomp/syscalls-i386.js';
import { SYSCALLS_X86_64 } from '../../../../src/runtime/seccomp/syscalls-x86_64.js';
import { runFilter, validate } from './bpf-interp.js';
import { DOCKER_DEFAULT_CAPS, DOCKER_PROFILE } from './docker-default.js';

const PROFILE = DOCKER_PROFILE;
const DEFAULT_CAPS = [...DOCKER_DEFAULT_CAPS];

const { ALLOW, ERRNO, KILL_THREAD } = SECCOMP_RET;
const EPERM = ERRNO | 1;
const ENOSYS = ERRNO | 38;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNS = 0x00020000;
const SIGCHLD = 17;
const X64 = (name: string): number => SYSCALLS_X86_64.get(name)!;

const oci = dockerProfileToOci(PROFILE, { caps: DEFAULT_CAPS, arch: 'x86_64', kernel: '6.1.0' })!;
const { filter, flags } = compileSeccomp(oci, { nativeArch: 'x86_64' });
const run = (nr: number, args: (number | bigint)[] = [], arch: number = AUDIT_ARCH.X86_64): number =>
  runFilter(filter, { nr, arch, args });

test('dockerProfileToOci resolves archMap, caps, arches and minKernel as dockerd does', () => {
  assert.deepEqual(oci.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.equal(oci.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(oci.defaultErrnoRet, 1);
  const rulesFor = (name: string) => oci.syscalls!.filter((s) => s.names.includes(name));
  // Rule 18 (clone masked by namespace flags) stays: CAP_SYS_ADMIN is absent and we are not s390.
  assert.deepEqual(rulesFor('clone'), [
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }],
    },
  ]);
  assert.deepEqual(rulesFor('clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  assert.equal(rulesFor('mount').length, 0, 'CAP_SYS_ADMIN only');
  assert.equal(rulesFor('arch_prctl').length, 1, 'amd64 only');
  assert.equal(rulesFor('cacheflush').length, 0, 'arm only');
  assert.equal(rulesFor('ptrace').length, 1, 'minKernel 4.8 holds on 6.1');
  for (const s of oci.syscalls!)
    assert.deepEqual(
      Object.keys(s).sort(),
      Object.keys(s)
        .filter((k) => ['names', 'action', 'errnoRet', 'args'].includes(k))
        .sort(),
    );

  const old = dockerProfileToOci(PROFILE, { caps: DEFAULT_CAPS, arch: 'x86_64', kernel: '4.7.10-foo' })!;
  assert.equal(
    old.syscalls!.filter((s) => s.names.includes('ptrace')).length,
    0,
    'minKernel 4.8 fails on 4.7',
  );

  const admin = dockerProfileToOci(PROFILE, {
    caps: [...DEFAULT_CAPS, 'CAP_SYS_ADMIN'],
    arch: 'x86_64',
    kernel: '6.1',
  })!;
  const adminClone = admin.syscalls!.filter((s) => s.names.includes('clone'));
  assert.equal(adminClone.length, 1);
  assert.equal(adminClone[0]!.args, undefined, 'unconditional with CAP_SYS_ADMIN');
  assert.equal(
    admin.syscalls!.filter((s) => s.names.includes('clone3') && s.action === 'SCMP_ACT_ERRNO').length,
    0,
  );

  const arm = dockerProfileToOci(PROFILE, { caps: DEFAULT_CAPS, arch: 'aarch64', kernel: '6.1' })!;
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.equal(arm.syscalls!.filter((s) => s.names.includes('cacheflush')).length, 1);
  assert.equal(arm.syscalls!.filter((s) => s.names.includes('arch_prctl')).length, 0);
});

test('dockerProfileToOci: seccomp off, and its errors', () => {
  assert.equal(
    dockerProfileToOci({ defaultAction: '' }, { caps: [], arch: 'x86_64', kernel: '6.1' }),
    undefined,
  );
  assert.throws(
    () =>
      dockerProfileToOci(
        { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], archMap: PROFILE.archMap! },
        { caps: [], arch: 'x86_64', kernel: '6.1' },
      ),
    {
      code: 'InvalidArgument',
      message: 'seccomp profile: both "architectures" and "archMap" are set; use one',
    },
  );
  assert.throws(
    () =>
      dockerProfileToOci(
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ name: 'read', names: ['write'], action: 'SCMP_ACT_ERRNO' }],
        },
        { caps: [], arch: 'x86_64', kernel: '6.1' },
      ),
    {
      code: 'InvalidArgument',
      message: 'seccomp profile: syscalls[0]: both "name" and "names" are set; use one',
    },
  );
  assert.throws(
    () =>
      dockerProfileToOci(
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', includes: { minKernel: 'four' } }],
        },
        { caps: [], arch: 'x86_64', kernel: '6.1' },
      ),
    {
      code: 'InvalidArgument',
      message: 'seccomp profile: syscalls[0].includes.minKernel: invalid kernel version "four"',
    },
  );
});

test("docker's default profile compiles to a small, fast program", () => {
  validate(filter);
  assert.equal(flags, 0);
  const insns = filter.length / 8;
  assert.ok(insns < 600, `${insns} instructions`);
});

test('docker default: plain syscalls allowed, unlisted ones EPERM, newer ones ENOSYS', () => {
  for (const name of ['read', 'write', 'openat', 'close', 'mmap', 'execve', 'exit_group', 'futex', 'getppid'])
    assert.equal(run(X64(name)), ALLOW, name);
  for (const name of [
    'kexec_load',
    'mount',
    'umount2',
    'reboot',
    'init_module',
    'bpf',
    'perf_event_open',
    'unshare',
  ])
    assert.equal(run(X64(name)), EPERM, name);
  assert.equal(run(400), EPERM, 'a gap in the table');
  // The highest syscall the profile names is removexattrat (466); cachestat (451) and mseal (462) are listed,
  // the lsm_* ones (459-461) need CAP_SYS_ADMIN, and 467 on is newer than the profile: ENOSYS (runc's stub).
  assert.equal(run(451), ALLOW);
  assert.equal(run(462), ALLOW);
  assert.equal(run(466), ALLOW);
  assert.equal(run(460), EPERM);
  assert.equal(run(467), ENOSYS);
  assert.equal(run(1000), ENOSYS);
  // Every name the unconditional rule lists that the x86_64 table knows is allowed.
  for (const name of PROFILE.syscalls![0]!.names!) {
    const nr = SYSCALLS_X86_64.get(name);
    if (nr !== undefined) assert.equal(run(nr, [0xffffffffffffffffn]), ALLOW, name);
  }
});

test('docker default: clone without namespace flags, clone3 ENOSYS', () => {
  assert.equal(run(X64('clone'), [SIGCHLD]), ALLOW);
  assert.equal(run(X64('clone'), [SIGCHLD | CLONE_NEWUSER]), EPERM);
  assert.equal(run(X64('clone'), [SIGCHLD | CLONE_NEWNS]), EPERM);
  assert.equal(run(X64('clone'), [0x100000000n | BigInt(SIGCHLD)]), ALLOW, 'high bits are outside the mask');
  assert.equal(run(X64('clone3')), ENOSYS);
});

test('docker default: personality only with the listed values, on all 64 bits', () => {
  for (const v of [0, 8, 0x20000, 0x20008, 0xffffffff])
    assert.equal(run(X64('personality'), [v]), ALLOW, `${v}`);
  for (const v of [1, 0x0400000, 0x100000000n, 0x1ffffffffn, 0xffffffffffffffffn])
    assert.equal(run(X64('personality'), [v]), EPERM, `${v}`);
});

test('docker default: socket refuses AF_ALG (38) and AF_VSOCK (40), allows netlink audit', () => {
  // This profile version filters only the family; older ones also refused NETLINK_AUDIT.
  const AF_INET = 2;
  const AF_NETLINK = 16;
  const NETLINK_AUDIT = 9;
  assert.equal(run(X64('socket'), [AF_INET, 2, 0]), ALLOW);
  assert.equal(run(X64('socket'), [AF_NETLINK, 3, NETLINK_AUDIT]), ALLOW);
  assert.equal(run(X64('socket'), [38]), EPERM);
  assert.equal(run(X64('socket'), [39]), ALLOW);
  assert.equal(run(X64('socket'), [40]), EPERM);
  assert.equal(run(X64('socket'), [41]), ALLOW);
  assert.equal(run(X64('socket'), [0x100000000n + 38n]), ALLOW, 'GT 40 holds on the high word');
});

test('docker default: i386 and x32 sections, an unlisted arch killed', () => {
  const i386 = (name: string) => SYSCALLS_I386.get(name)!;
  const I386 = AUDIT_ARCH.I386;
  assert.equal(run(i386('read'), [], I386), ALLOW);
  assert.equal(run(i386('socketcall'), [], I386), ALLOW);
  assert.equal(run(i386('kexec_load'), [], I386), EPERM);
  assert.equal(run(i386('clone'), [SIGCHLD | CLONE_NEWUSER], I386), EPERM);
  assert.equal(run(i386('clone'), [SIGCHLD], I386), ALLOW);
  assert.equal(run(i386('personality'), [0xffffffff], I386), ALLOW);

  assert.equal(run(X32_SYSCALL_BIT + 0), ALLOW, 'x32 read');
  assert.equal(run(X32_SYSCALL_BIT + 528), EPERM, 'x32 kexec_load');
  assert.equal(run(X32_SYSCALL_BIT + 56, [SIGCHLD | CLONE_NEWUSER]), EPERM, 'x32 clone');
  assert.equal(run(0xffffffff), EPERM);

  assert.equal(run(63, [], AUDIT_ARCH.AARCH64), KILL_THREAD);
  assert.equal(run(3, [], AUDIT_ARCH.ARM), KILL_THREAD);
});

test('docker default on aarch64', () => {
  const arm = dockerProfileToOci(PROFILE, { caps: DEFAULT_CAPS, arch: 'aarch64', kernel: '6.1' })!;
  const f = compileSeccomp(arm, { nativeArch: 'aarch64' }).filter;
  validate(f);
  const A = AUDIT_ARCH.AARCH64;
  const nr = (name: string): number => SYSCALLS_AARCH64.get(name)!;
  assert.equal(runFilter(f, { nr: nr('read'), arch: A }), ALLOW);
  assert.equal(runFilter(f, { nr: nr('kexec_load'), arch: A }), EPERM);
  assert.equal(runFilter(f, { nr: nr('clone'), arch: A, args: [CLONE_NEWUSER] }), EPERM);
  assert.equal(runFilter(f, { nr: nr('personality'), arch: A, args: [8] }), ALLOW);
  assert.equal(runFilter(f, { nr: 0, arch: AUDIT_ARCH.X86_64 }), KILL_THREAD);
});
