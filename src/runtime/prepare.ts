// The runtime as a library, for berthd's built-in path (DESIGN.md "Between the shim and the container"):
// the decisions `berth-runtime create` makes (config validation, cgroups, the plan), without a runtime
// process. The caller hands the plan to berth-shim, which runs berth-init with it (native/init/PLAN.md
// "Invocation"), so no Node process is started per container.
import { resolve } from 'node:path';
import { BerthError } from '../base/errors.js';
import type { Spec } from '../oci/runtime-spec.js';
import { cgroupPids, destroyCgroups, type CgroupPaths } from './cgroups/index.js';
import { encodePlan } from './plan/encode.js';
import { readSpec, setUpContainer } from './setup.js';
import { checkId } from './state/store.js';

/** What a built-in container needs besides its bundle. */
export interface PrepareOptions {
  id: string;
  bundle: string;
  /** Host directory that gets `exec.fifo` (the plan's FIFO_DIR): opening it for reading starts the program. */
  fifoDir: string;
  /** Where berth-init sends the pty master (CONSOLE_SOCKET) when process.terminal is set. */
  consoleSocket?: string;
  /** Where warnings about the config go (e.g. resources the kernel will ignore). */
  warn?(message: string): void;
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
  const { rootfs, cgroupPaths, steps } = setUpContainer({
    id,
    bundle,
    spec,
    fifoDir: opts.fifoDir,
    consoleSocket: terminal ? opts.consoleSocket : undefined,
    preserveFds: 0,
    noPivot: false,
    warn: opts.warn ?? (() => undefined),
  });
  return { spec, rootfs, terminal, cgroupPaths, plan: encodePlan(steps) };
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
