// Runs syscalls inside a container under a seccomp profile and reads the outcomes testinit reports (its
// `syscall` and `syscalls` actions): "ok", an errno name, "trap", "thread-killed", or "killed" (SIGSYS).
// Shared by seccomp.test.ts (berth-runtime alone) and seccomp-matrix.test.ts (berth-runtime, runc, crun).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Seccomp, Spec } from '../../../src/oci/runtime-spec.js';
import { type Bundle, exec, type Result, TESTINIT, uniqueId } from './harness.js';

type Rule = NonNullable<Seccomp['syscalls']>[number];

/** Six zero arguments but `v` at `index`, as a testinit call spells them. */
export function argsWith(index: number, v: string): string {
  return Array.from({ length: 6 }, (_, i) => (i === index ? v : '0')).join(' ');
}

// Each operator against 2^32 + 5, where only the high word tells it from 5, and MASKED_EQ on a mask.
const OPERATOR_PROBES: [op: string, index: number, hit: string, miss: string][] = [
  ['SCMP_CMP_EQ', 0, '0x100000005', '5'],
  ['SCMP_CMP_NE', 1, '0x200000005', '0x100000005'],
  ['SCMP_CMP_LT', 2, '0xffffffff', '0x100000005'],
  ['SCMP_CMP_LE', 3, '0x100000005', '0x100000006'],
  ['SCMP_CMP_GE', 4, '0x100000005', '0x100000004'],
  ['SCMP_CMP_GT', 5, '0x200000000', '0x100000005'],
  ['SCMP_CMP_MASKED_EQ', 0, '0x12ab', '0x13ab'],
];

/**
 * One SCMP_ACT_ERRNO rule per operator, each on its own syscall of `syscalls` (seven of them) with errno
 * 1001 + its position, and the calls that probe it on both sides: call → `E100n`, or `allowed` where the
 * condition fails and the call goes through (null: whatever the kernel then says).
 */
export function operatorProbes(
  syscalls: readonly string[],
  allowed: string | null,
): { rules: Rule[]; calls: Record<string, string | null> } {
  const rules: Rule[] = [];
  const calls: Record<string, string | null> = {};
  OPERATOR_PROBES.forEach(([op, index, hit, miss], i) => {
    const name = syscalls[i]!;
    const masked = op === 'SCMP_CMP_MASKED_EQ';
    const arg = masked ? { index, value: 0xff00, valueTwo: 0x1200, op } : { index, value: 2 ** 32 + 5, op };
    rules.push({ names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: 1001 + i, args: [arg] });
    calls[`${name} ${argsWith(index, hit)}`] = `E${1001 + i}`;
    calls[`${name} ${argsWith(index, miss)}`] = allowed;
  });
  return { rules, calls };
}

/** How `run` reports a container killed by SIGSYS (128 + 31), with every runtime here. */
export const KILLED_BY_SIGSYS = 128 + 31;

/** An OCI runtime binary with a private --root (for `run`: a created container would hold the pipes open). */
export class RuntimeBinary {
  readonly root = mkdtempSync(join(tmpdir(), 'berth-seccomp-root-'));

  constructor(
    readonly name: string,
    readonly bin: string,
  ) {}

  /** Runs `<bin> --root <root> ...args`. */
  run(args: string[]): Promise<Result> {
    return exec(this.bin, ['--root', this.root, ...args]);
  }

  /** Force-deletes what is left and removes the root. */
  async cleanup(): Promise<void> {
    const r = await this.run(['list', '-q']);
    for (const id of r.stdout.split('\n').filter(Boolean)) await this.run(['delete', '--force', id]);
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Whatever runs runtime commands to completion: a RuntimeBinary, or the harness's TestRuntime. */
export interface RunsCommands {
  run(args: string[]): Promise<Result>;
}

/** Runs `/bin/testinit ...args` in a fresh container of `bundle` whose spec `mutate` sets; the spec is restored. */
export async function runInside(
  rt: RunsCommands,
  bundle: Bundle,
  args: string[],
  mutate: (s: Spec) => void,
): Promise<Result> {
  const saved = JSON.stringify(bundle.spec);
  try {
    bundle.spec.process!.args = ['/bin/testinit', ...args];
    mutate(bundle.spec);
    bundle.write();
  } finally {
    Object.assign(bundle.spec, JSON.parse(saved));
  }
  return rt.run(['run', '-b', bundle.dir, uniqueId('sc')]);
}

/** Each call's outcome from `testinit syscalls` output (`CALL: outcome` lines). */
export function outcomes(r: Result, calls: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const at = line.lastIndexOf(': ');
    out[line.slice(0, at)] = line.slice(at + 2);
  }
  assert.deepEqual(Object.keys(out), calls, `testinit syscalls printed:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return out;
}

/** Runs `calls` (each "NAME ARG...") in one container under `seccomp`; returns call → outcome. */
export async function probe(
  rt: RunsCommands,
  bundle: Bundle,
  seccomp: Seccomp | undefined,
  calls: string[],
  mutate?: (s: Spec) => void,
): Promise<Record<string, string>> {
  const r = await runInside(rt, bundle, ['syscalls', ...calls], (s) => {
    if (seccomp) s.linux!.seccomp = seccomp;
    else delete s.linux!.seccomp;
    mutate?.(s);
  });
  return outcomes(r, calls);
}

/** The filters the kernel holds for `pid`, newest first, read from the host by `testinit seccomp-dump`. */
export async function installedFilters(
  pid: number,
): Promise<{ flags: number; insns: number; filter: Buffer }[]> {
  // No stdin pipe: the dump can exit before exec() would end it, and writing to it then raises EPIPE.
  const r = await exec(TESTINIT, ['seccomp-dump', String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return (JSON.parse(r.stdout) as { flags: number; insns: number; filter: string }[]).map((f) => ({
    ...f,
    filter: Buffer.from(f.filter, 'hex'),
  }));
}
