// Runs syscalls inside a container under a seccomp profile and reads the outcomes testinit reports (its
// `syscall` and `syscalls` actions): "ok", an errno name, "trap", "thread-killed", or "killed" (SIGSYS).
// Shared by seccomp.test.ts (berth-runtime alone) and seccomp-matrix.test.ts (berth-runtime, runc, crun).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Seccomp, Spec } from '../../../src/oci/runtime-spec.js';
import { type Bundle, exec, type Result, TESTINIT, uniqueId } from './harness.js';

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
