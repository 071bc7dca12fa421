// Helpers for the cgroup tests: containers under /berth-test/<id>, started detached, whose cgroup files
// are read from the host, and removed by their own `delete --force`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { Bundle, TEST_CGROUP_PARENT, type TestRuntime, uniqueId } from './harness.js';

/** A started container of a test. */
export interface Started {
  id: string;
  pid: number;
  bundle: Bundle;
}

/** The host path of the container's cgroup file in a hierarchy (`memory`, `cpu`, `unified`...). */
export function cgroupFile(id: string, hierarchy: string, file: string): string {
  return join('/sys/fs/cgroup', hierarchy, TEST_CGROUP_PARENT, id, file);
}

/** Reads the container's cgroup file, trimmed. */
export function readCgroup(id: string, hierarchy: string, file: string): string {
  return readFileSync(cgroupFile(id, hierarchy, file), 'utf8').trim();
}

/** Starts `args` detached (`run -d`) with the spec edited by `edit`; throws with the runtime's stderr. */
export async function startContainer(
  rt: TestRuntime,
  args: string[],
  edit?: (s: Spec) => void,
  prefix = 'cg',
): Promise<Started> {
  const bundle = await Bundle.create(args);
  const id = uniqueId(prefix);
  bundle.spec.linux!.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
  edit?.(bundle.spec);
  bundle.write();
  const r = await rt.runDetached(['run', '-d', '-b', bundle.dir, id]);
  if (r.code !== 0) {
    bundle.remove();
    throw new Error(`run -d ${id}: ${r.stderr}`);
  }
  const st = await rt.state(id);
  return { id, pid: st.pid, bundle };
}

/** Force-deletes a started container and its bundle. */
export async function removeContainer(rt: TestRuntime, c: Started): Promise<void> {
  await rt.run(['delete', '--force', c.id]);
  c.bundle.remove();
}

/** Polls `check` every 20 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/** `major:minor` of the first real block device (not loop, zram or ram), for throttle rules. */
export function blockDevice(): { major: number; minor: number } {
  const text = readFileSync('/proc/partitions', 'utf8');
  for (const line of text.split('\n').slice(2)) {
    const [major, minor, , name] = line.trim().split(/\s+/);
    // Whole disks have a /sys/block entry; partitions do not.
    if (name && !/^(loop|zram|ram)/.test(name) && existsSync(`/sys/block/${name}`))
      return { major: Number(major), minor: Number(minor) };
  }
  throw new Error('no block device on this host');
}
