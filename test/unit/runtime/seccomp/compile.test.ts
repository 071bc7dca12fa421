// compileSeccomp, checked by running the programs it emits in a BPF interpreter that behaves like the kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Seccomp } from '../../../../src/oci/runtime-spec.js';
import {
  ACTIONS,
  AUDIT_ARCH,
  compileSeccomp,
  SECCOMP_RET,
  X32_SYSCALL_BIT,
  type NativeArch,
} from '../../../../src/runtime/seccomp/index.js';
import { SYSCALLS_X86_64 } from '../../../../src/runtime/seccomp/syscalls-x86_64.js';
import { decode, runFilter, validate } from './bpf-interp.js';

const { ALLOW, ERRNO, KILL_PROCESS, KILL_THREAD, TRACE, TRAP, LOG } = SECCOMP_RET;
const ENOSYS = ERRNO | 38;
const X86_64 = AUDIT_ARCH.X86_64;
const I386 = AUDIT_ARCH.I386;
const NR = { read: 0, write: 1, getppid: 110, personality: 135, kexec_load: 246 }; // x86_64 numbers

function compile(s: Seccomp, nativeArch: NativeArch = 'x86_64'): Buffer {
  const { filter } = compileSeccomp(s, { nativeArch });
  validate(filter);
  return filter;
}

function run(filter: Buffer, nr: number, args: (bigint | number)[] = [], arch: number = X86_64): number {
  return runFilter(filter, { nr, arch, args });
}

test('every action compiles to its SECCOMP_RET value', () => {
  const cases: [string, number | undefined, number][] = [
    ['SCMP_ACT_KILL', undefined, KILL_THREAD],
    ['SCMP_ACT_KILL_THREAD', undefined, KILL_THREAD],
    ['SCMP_ACT_KILL_PROCESS', undefined, KILL_PROCESS],
    ['SCMP_ACT_TRAP', undefined, TRAP],
    ['SCMP_ACT_ERRNO', undefined, ERRNO | 1],
    ['SCMP_ACT_ERRNO', 38, ERRNO | 38],
    ['SCMP_ACT_TRACE', undefined, TRACE | 1],
    ['SCMP_ACT_TRACE', 7, TRACE | 7],
    ['SCMP_ACT_ALLOW', undefined, ALLOW],
    ['SCMP_ACT_LOG', undefined, LOG],
  ];
  for (const [action, errnoRet, want] of cases) {
    const asDefault = compile({
      defaultAction: action,
      ...(errnoRet === undefined ? {} : { defaultErrnoRet: errnoRet }),
    });
    assert.equal(run(asDefault, NR.read), want >>> 0, `default ${action}`);
    const asRule = compile({
      defaultAction: action === 'SCMP_ACT_ALLOW' ? 'SCMP_ACT_KILL' : 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['write'], action, ...(errnoRet === undefined ? {} : { errnoRet }) }],
    });
    assert.equal(run(asRule, NR.write), want >>> 0, `rule ${action}`);
  }
});

test('a rule without errnoRet gets EPERM, not defaultErrnoRet', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    syscalls: [
      { names: ['write'], action: 'SCMP_ACT_ERRNO' },
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
  assert.equal(run(f, NR.write), ERRNO | 1);
  assert.equal(run(f, NR.getppid), ERRNO | 38);
  assert.equal(run(f, NR.read), ALLOW);
});

test('flags are returned as seccomp(2) flag bits', () => {
  const flags = (f: string[]): number => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: f }).flags;
  assert.equal(flags([]), 0);
  assert.equal(flags(['SECCOMP_FILTER_FLAG_TSYNC']), 1);
  assert.equal(flags(['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']), 6);
});

test('an arch not listed is killed; the native arch is always there', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86'],
    syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }],
  });
  assert.equal(run(f, NR.read, [], X86_64), ALLOW);
  assert.equal(run(f, 3, [], I386), ALLOW, 'i386 read is 3');
  assert.equal(run(f, 0, [], I386), ERRNO | 1, 'i386 0 is restart_syscall');
  assert.equal(run(f, 63, [], AUDIT_ARCH.AARCH64), KILL_THREAD);
  assert.equal(run(f, 0, [], 0x12345678), KILL_THREAD);
  const arm = compile({ defaultAction: 'SCMP_ACT_ALLOW' }, 'aarch64');
  assert.equal(run(arm, 63, [], AUDIT_ARCH.AARCH64), ALLOW);
  assert.equal(run(arm, 0, [], X86_64), KILL_THREAD);
});

test('x32 numbers get the bad-arch action unless SCMP_ARCH_X32 is listed; nr -1 gets the default', () => {
  const only64 = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['read', 'write', 'rt_sigaction'], action: 'SCMP_ACT_ALLOW' }],
  });
  assert.equal(run(only64, NR.read), ALLOW);
  assert.equal(run(only64, NR.getppid), ENOSYS, 'above the last named syscall');
  assert.equal(run(only64, X32_SYSCALL_BIT + 0), KILL_THREAD);
  assert.equal(run(only64, X32_SYSCALL_BIT + 512), KILL_THREAD);
  assert.equal(run(only64, 0xfffffffe), KILL_THREAD);
  assert.equal(run(only64, 0xffffffff), ERRNO | 1, 'a tracer-skipped syscall');

  const both = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['read', 'rt_sigaction'], action: 'SCMP_ACT_ALLOW' },
      { names: ['write', 'getppid'], action: 'SCMP_ACT_ERRNO' },
    ],
  });
  assert.equal(run(both, X32_SYSCALL_BIT + 0), ALLOW);
  assert.equal(run(both, X32_SYSCALL_BIT + 512), ALLOW, 'x32 rt_sigaction is 512, not 13');
  assert.equal(run(both, X32_SYSCALL_BIT + 13), ERRNO | 1);
  assert.equal(run(both, 13), ALLOW, 'x86_64 rt_sigaction');
  assert.equal(run(both, X32_SYSCALL_BIT + 1), ERRNO | 1);
  assert.equal(run(both, X32_SYSCALL_BIT + 513), ENOSYS, 'above x32 rt_sigaction');
  assert.equal(run(both, 0xffffffff), ERRNO | 1);

  // x32 without x86_64 is only possible when x86_64 is not native: then the plain numbers are the bad ones.
  const x32only = compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X32'] }, 'aarch64');
  assert.equal(run(x32only, X32_SYSCALL_BIT + 1), ALLOW);
  assert.equal(run(x32only, 1), KILL_THREAD);
  assert.equal(run(x32only, 0xffffffff), ALLOW);
});

test('numbers above the last named syscall get ENOSYS unless the default lets calls through (runc)', () => {
  const rules = [{ names: ['write', 'no_such_syscall'], action: 'SCMP_ACT_ALLOW' }];
  const errno = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 13,
    architectures: ['SCMP_ARCH_X86'],
    syscalls: rules,
  });
  assert.equal(run(errno, NR.read), ERRNO | 13, 'below the last: the default');
  assert.equal(run(errno, NR.write), ALLOW);
  assert.equal(run(errno, 2), ENOSYS);
  assert.equal(run(errno, X32_SYSCALL_BIT - 1), ENOSYS);
  assert.equal(run(errno, 4, [], I386), ALLOW, 'i386 write is 4');
  assert.equal(run(errno, 3, [], I386), ERRNO | 13);
  assert.equal(run(errno, 5, [], I386), ENOSYS, 'each ABI has its own last syscall');
  const kill = compile({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: rules });
  assert.equal(run(kill, 2), ENOSYS);
  for (const defaultAction of ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) {
    const f = compile({ defaultAction, syscalls: [{ names: ['write'], action: 'SCMP_ACT_KILL' }] });
    assert.equal(run(f, 2) & 0xffff0000, ACTIONS.get(defaultAction), defaultAction);
  }
  const nothingNamed = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['bogus'], action: 'SCMP_ACT_ALLOW' }],
  });
  assert.equal(run(nothingNamed, 2), ERRNO | 1);
});

test('names unknown on an arch are skipped there, unknown everywhere are skipped', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [{ names: ['arch_prctl', 'socketcall', 'no_such_syscall', 'read'], action: 'SCMP_ACT_ALLOW' }],
  });
  assert.equal(run(f, 158), ALLOW, 'x86_64 arch_prctl');
  assert.equal(run(f, 102, [], I386), ALLOW, 'i386 socketcall');
  assert.equal(run(f, 102, []), ERRNO | 1, 'x86_64 102 is getuid');
  assert.equal(run(f, 3, [], I386), ALLOW);
});

test('on i386 a rule on a socket or IPC call also covers socketcall/ipc with that sub-call', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86'],
    syscalls: [
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 10, op: 'SCMP_CMP_LT' }] },
      { names: ['shmget'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
  assert.equal(run(f, 359, [2], I386), ALLOW, 'direct socket(AF_INET)');
  assert.equal(run(f, 359, [16], I386), ERRNO | 1, 'direct socket(AF_NETLINK)');
  assert.equal(run(f, 102, [1], I386), ALLOW, 'socketcall(SYS_SOCKET)');
  assert.equal(run(f, 102, [3], I386), ERRNO | 1, 'socketcall(SYS_CONNECT)');
  assert.equal(run(f, 117, [23], I386), ALLOW, 'ipc(SHMGET)');
  assert.equal(run(f, 117, [24], I386), ERRNO | 1, 'ipc(SHMCTL)');
});

// Reference comparisons on unsigned 64-bit values.
const OPS: Record<string, (a: bigint, v: bigint, v2: bigint) => boolean> = {
  SCMP_CMP_NE: (a, v) => a !== v,
  SCMP_CMP_LT: (a, v) => a < v,
  SCMP_CMP_LE: (a, v) => a <= v,
  SCMP_CMP_EQ: (a, v) => a === v,
  SCMP_CMP_GE: (a, v) => a >= v,
  SCMP_CMP_GT: (a, v) => a > v,
  SCMP_CMP_MASKED_EQ: (a, v, v2) => (a & v) === v2,
};
const EDGES = [
  0n,
  1n,
  0x7fffffffn,
  0xfffffffen,
  0xffffffffn,
  0x100000000n,
  0x100000001n,
  0x1ffffffffn,
  0x200000000n,
  0xfffffffe00000000n,
  0xffffffff00000000n,
  0xffffffffffffffffn,
  0x8000000080000000n,
];

test('every operator compares all 64 bits on x86_64, high halves included', () => {
  for (const [op, holds] of Object.entries(OPS)) {
    for (const v of EDGES) {
      const v2 = op === 'SCMP_CMP_MASKED_EQ' ? v & 0xffff0000ffff0000n : 0n;
      const f = compile({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['getppid'],
            action: 'SCMP_ACT_ERRNO',
            errnoRet: 99,
            args: [{ index: 3, op, value: v as unknown as number, valueTwo: v2 as unknown as number }],
          },
        ],
      });
      for (const a of EDGES) {
        const want = holds(a, v, v2) ? ERRNO | 99 : ALLOW;
        assert.equal(
          run(f, NR.getppid, [0, 0, 0, a]),
          want,
          `${op} arg=${a.toString(16)} value=${v.toString(16)}`,
        );
      }
    }
  }
});

test('32-bit ABIs compare only the low 32 bits, as libseccomp does', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86'],
    syscalls: [
      {
        names: ['personality'],
        action: 'SCMP_ACT_ERRNO',
        args: [{ index: 0, value: 0x100000005, op: 'SCMP_CMP_EQ' }],
      },
    ],
  });
  assert.equal(run(f, 136, [5], I386), ERRNO | 1, 'i386 personality, value truncated to 5');
  assert.equal(run(f, 136, [6], I386), ALLOW);
  assert.equal(run(f, NR.personality, [5]), ALLOW, 'x86_64 compares the high word too');
  assert.equal(run(f, NR.personality, [0x100000005n]), ERRNO | 1);
});

test('conditions on different arguments are ANDed; rules for one syscall are ORed in order', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      {
        names: ['write'],
        action: 'SCMP_ACT_ALLOW',
        args: [
          { index: 0, value: 10, op: 'SCMP_CMP_GE' },
          { index: 1, value: 20, op: 'SCMP_CMP_LT' },
          { index: 2, value: 0xff, valueTwo: 0x10, op: 'SCMP_CMP_MASKED_EQ' },
        ],
      },
      { names: ['write'], action: 'SCMP_ACT_TRAP', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['write'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 15, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  assert.equal(run(f, NR.write, [15, 0, 0x110]), ALLOW);
  assert.equal(run(f, NR.write, [15, 0, 0x111]), LOG, 'first rule fails on arg2, third matches');
  assert.equal(run(f, NR.write, [15, 20, 0x10]), LOG, 'first rule fails on arg1');
  assert.equal(run(f, NR.write, [9, 0, 0x10]), ERRNO | 1);
  assert.equal(run(f, NR.write, [1]), TRAP);
});

test('a rule comparing one argument twice is split into ORed rules, as runc and crun add it', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      {
        names: ['write'],
        action: 'SCMP_ACT_ERRNO',
        args: [
          { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
          { index: 1, value: 10, op: 'SCMP_CMP_GE' },
          { index: 1, value: 20, op: 'SCMP_CMP_LE' },
        ],
      },
    ],
  });
  // Each comparison alone is enough, the one on arg0 included.
  for (const args of [
    [1, 15],
    [0, 25],
    [0, 5],
    [1, 0],
  ])
    assert.equal(run(f, NR.write, args), ERRNO | 1, `${args}`);
});

test('an unconditional rule overrides conditional ones; rules with the default action are dropped', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['write'], action: 'SCMP_ACT_TRAP', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 5, op: 'SCMP_CMP_LE' }] },
    ],
  });
  assert.equal(run(f, NR.write, [1]), ALLOW);
  assert.equal(run(f, NR.read, [1]), ALLOW, 'the ERRNO(EPERM) rule equals the default and is dropped (runc)');
  assert.equal(run(f, NR.read, [6]), ERRNO | 1);
});

test('far jumps are bridged: many distinct actions and a long argument chain stay correct', () => {
  const names = ['write', 'getppid'];
  // 330 syscalls, each with its own errno: the search tree alone is longer than a jump can reach.
  const nrs = [...SYSCALLS_X86_64.values()].filter((nr) => nr < 330);
  const byNr = new Map([...SYSCALLS_X86_64].map(([name, nr]) => [nr, name]));
  const f = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: nrs.map((nr) => ({ names: [byNr.get(nr)!], action: 'SCMP_ACT_ERRNO', errnoRet: 100 + nr })),
  });
  for (const nr of nrs) assert.equal(run(f, nr), (ERRNO | (100 + nr)) >>> 0, `nr ${nr}`);
  assert.equal(run(f, 330), ALLOW);
  const rets = decode(f).filter((i) => i.code === 0x06);
  assert.ok(rets.length > new Set(rets.map((i) => i.k)).size, 'far returns were bridged with nearby copies');

  const chain: Seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      ...Array.from({ length: 150 }, (_, i) => ({
        names: names,
        action: 'SCMP_ACT_TRACE',
        errnoRet: i,
        args: [{ index: 1, value: 1000 + i, op: 'SCMP_CMP_EQ' }],
      })),
      { names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 7, op: 'SCMP_CMP_GT' }] },
    ],
  };
  const g = compile(chain);
  assert.ok(g.length / 8 > 1000, 'long program');
  for (const i of [0, 1, 77, 149]) assert.equal(run(g, NR.write, [0, 1000 + i]), TRACE | i);
  assert.equal(run(g, NR.write, [0, 8]), ALLOW);
  assert.equal(run(g, NR.write, [0, 7]), ERRNO | 1);
  assert.equal(run(g, NR.getppid, [0, 1149]), TRACE | 149);
  assert.equal(run(g, NR.getppid, [0, 8]), ERRNO | 1);
});

test('foreign arches are accepted and get no section; ARM has no table yet and gets none either', () => {
  const f = compile(
    { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_PPC64LE', 'SCMP_ARCH_ARM'] },
    'aarch64',
  );
  assert.equal(run(f, 1, [], AUDIT_ARCH.AARCH64), ALLOW);
  assert.equal(run(f, 1, [], AUDIT_ARCH.ARM), KILL_THREAD);
});
