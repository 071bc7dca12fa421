// The runtime as a library, for berthd's built-in path (DESIGN.md "Between the shim and the container"):
// the decisions `berth-runtime create` makes (config validation, cgroups, the plan), without a runtime
// process. The caller hands the plan to berth-shim, which runs berth-init with it (native/init/PLAN.md
// "Invocation"), so no Node process is started per container.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BerthError } from '../base/errors.js';
import { native } from '../base/native.js';
import type { Spec } from '../oci/runtime-spec.js';
import { deviceRules } from './cgroups/devices.js';
import { hostLayout } from './cgroups/layout.js';
import {
  cgroupPids,
  createCgroups,
  destroyCgroups,
  resolveCgroupPaths,
  type CgroupPaths,
} from './cgroups/manager.js';
import { cgroupMountSources, isDirectory, readSpec } from './lifecycle.js';
import { buildPlan } from './plan/build.js';
import { encodePlan } from './plan/encode.js';
import { checkId } from './state/store.js';

/** What a built-in container needs besides its bundle. */
export interface PrepareOptions {
  id: string;
  bundle: string;
  /** Host directory that gets `exec.fifo` (the plan's FIFO_DIR): opening it for reading starts the program. */
  fifoDir: string;
  /** Where berth-init sends the pty master (CONSOLE_SOCKET) when process.terminal is set. */
  consoleSocket?: string;
}

/** A container made ready for berth-init: cgroups exist, exec.fifo exists, the plan is encoded. */
export interface PreparedContainer {
  spec: Spec;
  rootfs: string;
  terminal: boolean;
  cgroupPaths: CgroupPaths;
  /** The plan in PLAN.md's wire format. */
  plan: Buffer;
}

/** Validates the bundle, creates the container's cgroups and exec.fifo and builds its plan; leaves nothing on failure. */
export function prepareContainer(opts: PrepareOptions): PreparedContainer {
  const id = checkId(opts.id);
  const bundle = resolve(opts.bundle);
  const spec = readSpec(bundle);
  const terminal = spec.process!.terminal === true;
  if (terminal && opts.consoleSocket === undefined)
    throw new BerthError('InvalidArgument', 'process.terminal: a terminal needs a console socket');
  const rootfs = resolve(bundle, spec.root!.path);
  if (!existsSync(rootfs)) throw new BerthError('InvalidArgument', `root.path: "${rootfs}" does not exist`);

  const fifo = join(opts.fifoDir, 'exec.fifo');
  native().mkfifo(fifo, 0o622);
  let cgroupPaths: CgroupPaths = {};
  let cgroupsMade = false;
  try {
    // The umask must not narrow it: a container whose user is not root opens it after dropping privileges.
    chmodSync(fifo, 0o622);
    const layout = hostLayout();
    cgroupPaths = resolveCgroupPaths(spec.linux?.cgroupsPath, id, layout);
    const resources = { ...spec.linux?.resources, devices: deviceRules(spec.linux) };
    const cgroups = createCgroups(cgroupPaths, resources, layout);
    cgroupsMade = true;
    const steps = buildPlan({
      spec,
      bundle,
      stateDir: opts.fifoDir,
      consoleSocket: terminal ? opts.consoleSocket : undefined,
      preserveFds: 0,
      noPivot: false,
      cgroups,
      cgroupMounts: cgroupMountSources(cgroupPaths),
      isDirectory,
    });
    return { spec, rootfs, terminal, cgroupPaths, plan: encodePlan(steps) };
  } catch (err) {
    if (cgroupsMade) void destroyCgroups(cgroupPaths).catch(() => undefined);
    unlinkSync(fifo);
    throw err;
  }
}

/**
 * Undoes prepareContainer once the container's process has exited: whatever is left in its cgroups (its
 * children, when it had no pid namespace) is SIGKILLed, then the cgroups are removed.
 */
export async function releaseContainer(cgroupPaths: CgroupPaths): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const pids = cgroupPids(cgroupPaths);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL'); // a pid in the container's cgroup is the container's
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await destroyCgroups(cgroupPaths);
}
