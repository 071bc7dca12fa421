// Differential test: random profiles and random syscalls, the compiled program (run by the interpreter) against
// a direct evaluation of the same semantics that never builds a program.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Seccomp } from '../../../../src/oci/runtime-spec.js';
import {
  ACTIONS,
  ARCHES,
  AUDIT_ARCH,
  compileSeccomp,
  SECCOMP_RET,
  X32_SYSCALL_BIT,
  type NativeArch,
} from '../../../../src/runtime/seccomp/index.js';
import { runFilter } from './bpf-interp.js';

type Args = bigint[];

function actionRet(action: string, errnoRet: number | undefined): number {
  const base = ACTIONS.get(action)!;
  const data = base === SECCOMP_RET.ERRNO || base === SECCOMP_RET.TRACE;
  return (data ? base | (errnoRet ?? 1) : base) >>> 0;
}

const MUX: Record<string, [string, number]> = {
  socket: ['socketcall', 1],
  connect: ['socketcall', 3],
  shmget: ['ipc', 23],
};

function holds(op: string, a: bigint, v: bigint, v2: bigint, bits: 32 | 64): boolean {
  const m = bits === 32 ? 0xffffffffn : 0xffffffffffffffffn;
  const [x, y, z] = [a & m, v & m, v2 & m];
  switch (op) {
    case 'SCMP_CMP_NE':
      return x !== y;
    case 'SCMP_CMP_LT':
      return x < y;
    case 'SCMP_CMP_LE':
      return x <= y;
    case 'SCMP_CMP_EQ':
      return x === y;
    case 'SCMP_CMP_GE':
      return x >= y;
    case 'SCMP_CMP_GT':
      return x > y;
    default:
      return (x & y) === z;
  }
}

/** What the filter should return, worked out from the profile directly. */
function model(s: Seccomp, native: NativeArch, nr: number, arch: number, args: Args): number {
  const defaultRet = actionRet(s.defaultAction, s.defaultErrnoRet);
  const names = [native === 'x86_64' ? 'SCMP_ARCH_X86_64' : 'SCMP_ARCH_AARCH64', ...(s.architectures ?? [])];
  const listed = names.map((n) => ARCHES.get(n)).filter((a) => a?.table && a.token === arch);
  if (!listed.length) return SECCOMP_RET.KILL_THREAD;
  let abi = listed[0]!;
  if (arch === AUDIT_ARCH.X86_64 && nr !== 0xffffffff) {
    const want = nr >= X32_SYSCALL_BIT ? 'SCMP_ARCH_X32' : 'SCMP_ARCH_X86_64';
    const hit = listed.find((a) => a!.name === want);
    if (!hit) return SECCOMP_RET.KILL_THREAD;
    abi = hit;
  }
  const matches: { ret: number; conds: NonNullable<NonNullable<Seccomp['syscalls']>[number]['args']> }[] = [];
  for (const r of s.syscalls ?? []) {
    const ret = actionRet(r.action, r.errnoRet);
    if (ret === defaultRet) continue;
    // An argument compared twice: each comparison is a rule of its own (runc, crun).
    const args = r.args ?? [];
    const split = new Set(args.map((a) => a.index)).size < args.length;
    for (const name of r.names) {
      if (abi!.table!.get(name) === nr) {
        if (split) for (const a of args) matches.push({ ret, conds: [a] });
        else matches.push({ ret, conds: args });
      }
      const mux = MUX[name];
      if (arch === AUDIT_ARCH.I386 && mux && abi!.table!.get(mux[0]) === nr)
        matches.push({ ret, conds: [{ index: 0, op: 'SCMP_CMP_EQ', value: mux[1] }] });
    }
  }
  const always = matches.find((m) => m.conds.length === 0);
  if (always) return always.ret;
  for (const m of matches) {
    const ok = m.conds.every((c) =>
      holds(c.op, args[c.index]!, BigInt(c.value), BigInt(c.valueTwo ?? 0), abi!.bits),
    );
    if (ok) return m.ret;
  }
  // runc's ENOSYS stub: above the highest number the profile names, unless the default lets calls through.
  const ENOSYS = (SECCOMP_RET.ERRNO | 38) >>> 0;
  const permissive = ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(s.defaultAction);
  if (!permissive && defaultRet !== ENOSYS && nr !== 0xffffffff) {
    let last = -1;
    for (const r of s.syscalls ?? [])
      for (const name of r.names) {
        last = Math.max(last, abi!.table!.get(name) ?? -1);
        const mux = MUX[name];
        if (arch === AUDIT_ARCH.I386 && mux) last = Math.max(last, abi!.table!.get(mux[0])!);
      }
    if (last >= 0 && nr > last) return ENOSYS;
  }
  return defaultRet;
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'read',
  'write',
  'getppid',
  'personality',
  'socket',
  'connect',
  'shmget',
  'open',
  'socketcall',
];
const ACTS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP', 'SCMP_ACT_KILL_PROCESS'];
const OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT'];
const VALUES = [
  0n,
  1n,
  5n,
  0xffffffffn,
  0x100000000n,
  0x100000005n,
  0xffffffff00000005n,
  0xffffffffffffffffn,
];

test('compiled programs agree with a direct evaluation on random profiles', () => {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const u64 = (): bigint =>
    r() < 0.5 ? pick(VALUES) : (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
  for (let round = 0; round < 300; round++) {
    const native: NativeArch = r() < 0.7 ? 'x86_64' : 'aarch64';
    const arches = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64'].filter(
      () => r() < 0.5,
    );
    const action = (): { action: string; errnoRet?: number } => {
      const a = pick(ACTS);
      return a === 'SCMP_ACT_ERRNO' || a === 'SCMP_ACT_TRACE'
        ? { action: a, errnoRet: Math.floor(r() * 5) }
        : { action: a };
    };
    const s: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: arches, syscalls: [] };
    Object.assign(s, { defaultAction: action().action });
    for (let i = Math.floor(r() * 8); i > 0; i--) {
      const args = Array.from({ length: Math.floor(r() * 3) }, () => {
        const masked = r() < 0.2;
        const value = u64();
        return masked
          ? { index: Math.floor(r() * 3), op: 'SCMP_CMP_MASKED_EQ', value, valueTwo: value & u64() }
          : { index: Math.floor(r() * 3), op: pick(OPS), value };
      });
      const names = NAMES.filter(() => r() < 0.3);
      if (!names.length) names.push(pick(NAMES));
      s.syscalls!.push({
        names,
        ...action(),
        args: args as unknown as { index: number; value: number; op: string }[],
      });
    }
    const filter = compileSeccomp(s, { nativeArch: native }).filter;
    const tokens = [AUDIT_ARCH.X86_64, AUDIT_ARCH.I386, AUDIT_ARCH.AARCH64, AUDIT_ARCH.ARM];
    for (let i = 0; i < 60; i++) {
      const arch = pick(tokens);
      const table = [...ARCHES.values()].find((a) => a.token === arch && a.table)?.table;
      const known = NAMES.map((n) => table?.get(n)).filter((n): n is number => n !== undefined);
      const x32 = known.map((n) => n | X32_SYSCALL_BIT);
      const nr =
        r() < 0.8 && known.length ? pick([...known, ...x32]) : pick([0xffffffff, 0x40000000, 7, 102, 117]);
      const args = Array.from({ length: 6 }, () => {
        const v = u64();
        return r() < 0.3 ? BigInt.asUintN(64, v + BigInt(Math.floor(r() * 3) - 1)) : v;
      });
      const want = model(s, native, nr, arch, args);
      const got = runFilter(filter, { nr, arch, args });
      if (got !== want)
        assert.fail(
          `round ${round} ${JSON.stringify({ native, nr, arch, args: args.map(String), s }, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}: got ${got.toString(16)} want ${want.toString(16)}`,
        );
    }
  }
});
