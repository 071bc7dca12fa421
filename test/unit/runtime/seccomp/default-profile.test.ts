// Berth's default profile allows and denies exactly what Docker's does: for each architecture, capability set and
// kernel that changes Docker's profile, (1) the rules are the same once both are resolved (per syscall name: the
// action, or the alternatives of argument conditions), and (2) both compiled programs, run in the BPF
// interpreter, return the same for every syscall number of every ABI section, with arguments chosen around every
// value the two profiles compare against.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAPABILITIES } from '../../../../src/oci/linux.js';
import type { Seccomp } from '../../../../src/oci/runtime-spec.js';
import {
  ACTIONS,
  AUDIT_ARCH,
  compileSeccomp,
  defaultSeccompProfile,
  dockerProfileToOci,
  SECCOMP_RET,
  X32_SYSCALL_BIT,
  type NativeArch,
} from '../../../../src/runtime/seccomp/index.js';
import { SYSCALLS_AARCH64 } from '../../../../src/runtime/seccomp/syscalls-aarch64.js';
import { SYSCALLS_I386 } from '../../../../src/runtime/seccomp/syscalls-i386.js';
import { SYSCALLS_X32 } from '../../../../src/runtime/seccomp/syscalls-x32.js';
import { SYSCALLS_X86_64 } from '../../../../src/runtime/seccomp/syscalls-x86_64.js';
import { prepareFilter } from './bpf-interp.js';
import { DOCKER_DEFAULT_CAPS, DOCKER_PROFILE } from './docker-default.js';

interface Case {
  label: string;
  caps: readonly string[];
  arch: NativeArch;
  kernel: string;
}

/** The capabilities Docker's profile looks at (includes/excludes), each of which changes what is allowed. */
const PROFILE_CAPS = [
  ...new Set(
    DOCKER_PROFILE.syscalls!.flatMap((s) => [...(s.includes?.caps ?? []), ...(s.excludes?.caps ?? [])]),
  ),
].sort();

function cases(): Case[] {
  const out: Case[] = [];
  const sets: [string, readonly string[]][] = [
    ['no capabilities', []],
    ["docker's default capabilities", DOCKER_DEFAULT_CAPS],
    ['every capability', CAPABILITIES],
  ];
  for (const cap of PROFILE_CAPS) {
    sets.push([`only ${cap}`, [cap]]);
    if (DOCKER_DEFAULT_CAPS.includes(cap))
      sets.push([`docker's default without ${cap}`, DOCKER_DEFAULT_CAPS.filter((c) => c !== cap)]);
    else sets.push([`docker's default and ${cap}`, [...DOCKER_DEFAULT_CAPS, cap]]);
  }
  for (const arch of ['x86_64', 'aarch64'] as const) {
    for (const [label, caps] of sets) out.push({ label, caps, arch, kernel: '6.1.0-18-amd64' });
    // Only ptrace's minKernel 4.8 looks at the kernel: just below and at it, with and without CAP_SYS_PTRACE.
    for (const kernel of ['4.7.10', '4.8.0'])
      for (const caps of [DOCKER_DEFAULT_CAPS, [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_PTRACE']])
        out.push({ label: `${caps.length} capabilities`, caps, arch, kernel });
  }
  return out;
}

function profiles(c: Case): { docker: Seccomp; berth: Seccomp } {
  return {
    docker: dockerProfileToOci(DOCKER_PROFILE, { caps: [...c.caps], arch: c.arch, kernel: c.kernel })!,
    berth: defaultSeccompProfile(c.caps, c.arch, c.kernel),
  };
}

function retOf(action: string, errnoRet: number | undefined): number {
  const base = ACTIONS.get(action)!;
  const data = base === SECCOMP_RET.ERRNO || base === SECCOMP_RET.TRACE;
  return (data ? base | (errnoRet ?? 1) : base) >>> 0;
}

/**
 * What a profile says, independent of how it is written down: its default, its architectures, and per syscall
 * name either the one action it always gets or the set of (action, ANDed conditions) alternatives.
 */
function meaning(s: Seccomp): Record<string, unknown> {
  const defaultRet = retOf(s.defaultAction, s.defaultErrnoRet);
  const always = new Map<string, Set<number>>();
  const alternatives = new Map<string, Set<string>>();
  for (const rule of s.syscalls ?? []) {
    const ret = retOf(rule.action, rule.errnoRet);
    if (ret === defaultRet) continue; // dropped by runc and by our compiler alike
    const args = (rule.args ?? [])
      .map((a) => `${a.index} ${a.op} ${BigInt(a.value)} ${BigInt(a.valueTwo ?? 0)}`)
      .sort()
      .join(' && ');
    for (const name of rule.names) {
      if (!args) always.set(name, (always.get(name) ?? new Set()).add(ret));
      else alternatives.set(name, (alternatives.get(name) ?? new Set()).add(`${ret}: ${args}`));
    }
  }
  const names = [...new Set([...always.keys(), ...alternatives.keys()])].sort();
  return {
    defaultRet,
    architectures: [...(s.architectures ?? [])].sort(),
    flags: [...(s.flags ?? [])].sort(),
    syscalls: Object.fromEntries(
      names.map((n) => [
        n,
        always.has(n) ? { always: [...always.get(n)!].sort() } : { anyOf: [...alternatives.get(n)!].sort() },
      ]),
    ),
  };
}

type Args = bigint[];
const ONES = 0xffffffffffffffffn;
const GENERIC: Args[] = [[], Array<bigint>(6).fill(ONES), [1n, 2n, 3n, 4n, 5n, 6n]];

/** Argument vectors around every value either profile compares against, at the index it compares. */
function probesFor(docker: Seccomp, berth: Seccomp): Args[] {
  const out: Args[] = [...GENERIC];
  const add = (index: number, v: bigint): void => {
    v = BigInt.asUintN(64, v);
    for (const rest of [0n, ONES]) {
      const args = Array<bigint>(6).fill(rest);
      args[index] = v;
      out.push(args);
    }
  };
  for (const rule of [...(docker.syscalls ?? []), ...(berth.syscalls ?? [])]) {
    for (const a of rule.args ?? []) {
      const v = BigInt(a.value);
      const v2 = BigInt(a.valueTwo ?? 0);
      for (const x of [v - 1n, v, v + 1n, v + (1n << 32n), v2, v2 | (v & -v), v2 | v, v2 | (1n << 32n)])
        add(a.index, x);
    }
  }
  return out;
}

interface Section {
  arch: number;
  numbers: number[];
}

const range = (lo: number, n: number): number[] => Array.from({ length: n }, (_, i) => lo + i);
const top = (t: ReadonlyMap<string, number>): number => Math.max(...t.values());
const EDGES = [0x3fffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function sections(arch: NativeArch): Section[] {
  if (arch === 'x86_64')
    return [
      {
        arch: AUDIT_ARCH.X86_64,
        numbers: [
          ...range(0, top(SYSCALLS_X86_64) + 64),
          ...range(X32_SYSCALL_BIT, top(SYSCALLS_X32) - X32_SYSCALL_BIT + 64),
          ...EDGES,
        ],
      },
      { arch: AUDIT_ARCH.I386, numbers: [...range(0, top(SYSCALLS_I386) + 64), ...EDGES] },
      { arch: AUDIT_ARCH.AARCH64, numbers: [0, 63, 220] },
      { arch: AUDIT_ARCH.ARM, numbers: [0, 3, 120] },
    ];
  return [
    { arch: AUDIT_ARCH.AARCH64, numbers: [...range(0, top(SYSCALLS_AARCH64) + 64), ...EDGES] },
    { arch: AUDIT_ARCH.ARM, numbers: [0, 3, 120] },
    { arch: AUDIT_ARCH.X86_64, numbers: [0, 39, 0x40000000] },
    { arch: AUDIT_ARCH.I386, numbers: [0, 20] },
  ];
}

/** Numbers (per audit arch) whose outcome may depend on arguments: named by a conditional rule, or i386's muxes. */
function argumentDependent(arch: NativeArch, docker: Seccomp, berth: Seccomp): Map<number, Set<number>> {
  const tables: [number, ReadonlyMap<string, number>][] =
    arch === 'x86_64'
      ? [
          [AUDIT_ARCH.X86_64, SYSCALLS_X86_64],
          [AUDIT_ARCH.X86_64, SYSCALLS_X32],
          [AUDIT_ARCH.I386, SYSCALLS_I386],
        ]
      : [[AUDIT_ARCH.AARCH64, SYSCALLS_AARCH64]];
  const out = new Map<number, Set<number>>();
  const mark = (token: number, nr: number | undefined): void => {
    if (nr !== undefined) out.set(token, (out.get(token) ?? new Set()).add(nr));
  };
  for (const rule of [...(docker.syscalls ?? []), ...(berth.syscalls ?? [])])
    if (rule.args?.length)
      for (const name of rule.names) for (const [token, t] of tables) mark(token, t.get(name));
  if (arch === 'x86_64')
    for (const mux of ['socketcall', 'ipc']) mark(AUDIT_ARCH.I386, SYSCALLS_I386.get(mux));
  return out;
}

/** Every (arch, nr, args) where the two compiled programs disagree, up to `limit`. */
function differences(c: Case, docker: Seccomp, berth: Seccomp, limit = 10): string[] {
  const run = {
    docker: prepareFilter(compileSeccomp(docker, { nativeArch: c.arch }).filter),
    berth: prepareFilter(compileSeccomp(berth, { nativeArch: c.arch }).filter),
  };
  const probes = probesFor(docker, berth);
  // i386's socketcall and ipc select their call by arg0: try every selector.
  const selectors: Args[] = range(0, 26).map((k) => [BigInt(k)]);
  const dependent = argumentDependent(c.arch, docker, berth);
  const out: string[] = [];
  let compared = 0;
  for (const { arch, numbers } of sections(c.arch)) {
    for (const nr of numbers) {
      const vectors = dependent.get(arch)?.has(nr) ? [...probes, ...selectors] : GENERIC;
      for (const args of vectors) {
        const d = run.docker({ nr, arch, args }).ret;
        const b = run.berth({ nr, arch, args }).ret;
        compared++;
        if (d !== b && out.length < limit)
          out.push(
            `arch 0x${arch.toString(16)} nr ${nr} args [${args.map((a) => '0x' + a.toString(16)).join(',')}]: ` +
              `docker 0x${d.toString(16)}, berth 0x${b.toString(16)}`,
          );
      }
    }
  }
  assert.ok(compared > 1000, `only ${compared} comparisons`);
  return out;
}

const ALL = cases();

test('the rules are the same as Docker’s for every architecture, capability set and kernel', () => {
  for (const c of ALL) {
    const { docker, berth } = profiles(c);
    assert.deepEqual(meaning(berth), meaning(docker), `${c.arch}, ${c.label}, kernel ${c.kernel}`);
  }
});

test('the compiled programs return the same for every syscall, ABI and probed argument', () => {
  for (const c of ALL) {
    const { docker, berth } = profiles(c);
    assert.deepEqual(differences(c, docker, berth), [], `${c.arch}, ${c.label}, kernel ${c.kernel}`);
  }
});

test('both comparisons notice a profile that differs in one syscall or one argument value', () => {
  const c: Case = { label: 'default', caps: DOCKER_DEFAULT_CAPS, arch: 'x86_64', kernel: '6.1.0' };
  const { docker, berth } = profiles(c);
  const without = structuredClone(berth);
  without.syscalls![0]!.names = without.syscalls![0]!.names.filter((n) => n !== 'getppid');
  assert.notDeepEqual(meaning(without), meaning(docker));
  assert.match(differences(c, docker, without)[0] ?? '', /^arch 0xc000003e nr 110 /);

  const personality = structuredClone(berth);
  const rule = personality.syscalls!.find((s) => s.names.includes('personality') && s.args![0]!.value === 8)!;
  rule.args![0]!.value = 9;
  assert.notDeepEqual(meaning(personality), meaning(docker));
  assert.ok(differences(c, docker, personality).some((d) => /^arch 0xc000003e nr 135 args \[0x8,/.test(d)));
});

test('the profile for this host: its architectures, and what the capabilities open', () => {
  const x86 = defaultSeccompProfile(DOCKER_DEFAULT_CAPS, 'x86_64', '6.1.0');
  assert.deepEqual(x86.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.equal(x86.defaultAction, 'SCMP_ACT_ERRNO');
  const names = (s: Seccomp): string[] => (s.syscalls ?? []).flatMap((r) => r.names);
  assert.ok(!names(x86).includes('mount'));
  assert.ok(names(defaultSeccompProfile(['CAP_SYS_ADMIN'], 'x86_64', '6.1.0')).includes('mount'));
  assert.deepEqual(defaultSeccompProfile([], 'aarch64', '6.1.0').architectures, [
    'SCMP_ARCH_AARCH64',
    'SCMP_ARCH_ARM',
  ]);
  assert.throws(() => defaultSeccompProfile([], 'x86_64', 'six'), {
    code: 'InvalidArgument',
    message: 'seccomp default profile: invalid kernel release "six"',
  });
});
