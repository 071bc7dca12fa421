// Helpers of the exec tests: a long-running container to exec into, and the processes an exec left in it.
import { readFileSync } from 'node:fs';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import type { Bundle, TestRuntime } from './harness.js';

/** Starts a detached container `id` (cgroup /berth-test/<id>) that sleeps; returns its init's pid. */
export async function startHolder(
  rt: TestRuntime,
  bundle: Bundle,
  id: string,
  mutate?: (s: Spec) => void,
): Promise<number> {
  bundle.spec.process!.args = ['/bin/testinit', 'sleep', '600'];
  bundle.spec.linux!.cgroupsPath = `/berth-test/${id}`;
  mutate?.(bundle.spec);
  bundle.write();
  const r = await rt.runDetached(['run', '-d', '-b', bundle.dir, id]);
  if (r.code !== 0) throw new Error(`run -d ${id}: ${r.stderr}`);
  return (await rt.state(id)).pid;
}

/** Pids in container `id`'s cgroup (its memory hierarchy), its init included. */
export function containerPids(id: string): number[] {
  try {
    return readFileSync(`/sys/fs/cgroup/memory/berth-test/${id}/cgroup.procs`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Pids in container `id`'s cgroup other than its init (the lowest pid namespace level's pid 1). */
export function execPids(id: string): number[] {
  return containerPids(id).filter((p) => !isNsInit(p));
}

function isNsInit(pid: number): boolean {
  try {
    const m = /^NSpid:.*\s(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === '1';
  } catch {
    return false;
  }
}

/** SIGKILLs what execs left in container `id` (by their pids) and waits until they are gone. */
export async function killExecs(id: string): Promise<void> {
  for (const p of execPids(id)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitFor(() => execPids(id).length === 0);
}

/** Polls `fn` every 20 ms until it returns a truthy value or `ms` pass; returns the last value. */
export async function waitFor<T>(fn: () => T, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = fn();
  while (!v && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    v = fn();
  }
  return v;
}
