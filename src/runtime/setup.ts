// What `create` decides before a container process exists, shared by berth-runtime's create and
// berthd's built-in path (prepare.ts): the config read and checked, exec.fifo made, the cgroups created
// with their resources, and the plan built with its hooks. Undone entirely when any of it fails.
import { chmodSync, existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { BerthError, messageOf, wrap } from '../base/errors.js';
import { native } from '../base/native.js';
import type { Spec } from '../oci/runtime-spec.js';
import { validateSpec } from '../oci/validate.js';
import {
  checkResources,
  checkSystemdCgroup,
  createCgroups,
  destroyCgroups,
  deviceRules,
  hostLayout,
  resolveCgroupPaths,
  resourceWarnings,
  type CgroupPaths,
} from './cgroups/index.js';
import { buildPlan, type CgroupMountSource } from './plan/build.js';
import { addHooks } from './plan/hooks.js';
import type { Step } from './plan/ops.js';

/** Reads and validates <bundle>/config.json. */
export function readSpec(bundle: string): Spec {
  const path = join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw wrap(err, `read "${path}"`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `config.json: invalid JSON: ${messageOf(err)}`);
  }
  return validateSpec(raw);
}

/** The hierarchies a `cgroup` mount shows, each with the container's own directory in it. */
export function cgroupMountSources(paths: CgroupPaths): CgroupMountSource[] {
  const layout = hostLayout();
  if (layout.unifiedOnly) return [{ name: '', fstype: 'cgroup2', data: '', hostPath: paths['']! }];
  const sources: CgroupMountSource[] = layout.v1.map((h) => {
    const key = h.controllers.join(',');
    const data = key.startsWith('name=') ? `none,${key}` : key;
    return { name: basename(h.mountpoint), fstype: 'cgroup', data, hostPath: paths[key]! };
  });
  if (layout.v2)
    sources.push({ name: basename(layout.v2.mountpoint), fstype: 'cgroup2', data: '', hostPath: paths['']! });
  return sources;
}

/** Whether a bind source is a directory (PlanInput.isDirectory); a missing one counts as a directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return true; // missing sources fail at mount time with the kernel's word
  }
}

/** What setUpContainer needs besides the spec. */
export interface SetupOptions {
  id: string;
  /** Absolute bundle directory. */
  bundle: string;
  spec: Spec;
  /** Host directory that gets exec.fifo (the plan's FIFO_DIR). */
  fifoDir: string;
  /** Where berth-init sends the pty master when process.terminal is set. */
  consoleSocket?: string;
  preserveFds: number;
  noPivot: boolean;
  systemdCgroup?: boolean;
  /** Where compiled seccomp programs are kept between processes (the runtime's --root); none: memory only. */
  seccompCache?: string;
  /** Where non-fatal findings go (runc's warnings, e.g. ignored kernel memory limits). */
  warn(message: string): void;
}

/** A container set up for berth-init. */
export interface ContainerSetup {
  rootfs: string;
  cgroupPaths: CgroupPaths;
  /** The plan's steps, hooks included. */
  steps: Step[];
}

/** Checks the container's config against the host, makes exec.fifo and the cgroups, builds the plan. */
export function setUpContainer(opts: SetupOptions): ContainerSetup {
  const { id, bundle, spec } = opts;
  const rootfs = resolve(bundle, spec.root!.path);
  if (!existsSync(rootfs)) throw new BerthError('InvalidArgument', `root.path: "${rootfs}" does not exist`);
  if (opts.systemdCgroup) checkSystemdCgroup(spec.linux?.cgroupsPath, id);
  const resources = {
    ...checkResources(spec.linux?.resources, 'linux.resources'),
    devices: deviceRules(spec.linux),
  };
  for (const w of resourceWarnings(resources)) opts.warn(w);

  const fifo = join(opts.fifoDir, 'exec.fifo');
  native().mkfifo(fifo, 0o622);
  let cgroupPaths: CgroupPaths | undefined;
  try {
    // The umask must not narrow it: a container whose user is not root opens it after dropping privileges.
    chmodSync(fifo, 0o622);
    const layout = hostLayout();
    const paths = resolveCgroupPaths(spec.linux?.cgroupsPath, id, layout);
    const cgroups = createCgroups(paths, resources, layout);
    cgroupPaths = paths;
    const planned = buildPlan({
      spec,
      bundle,
      stateDir: opts.fifoDir,
      consoleSocket: opts.consoleSocket,
      preserveFds: opts.preserveFds,
      noPivot: opts.noPivot,
      cgroups,
      cgroupMounts: cgroupMountSources(paths),
      isDirectory,
      seccompCache: opts.seccompCache,
    });
    return { rootfs, cgroupPaths: paths, steps: addHooks(planned, { spec, id, bundle, rootfs }) };
  } catch (err) {
    if (cgroupPaths) void destroyCgroups(cgroupPaths).catch(() => undefined);
    unlinkSync(fifo);
    throw err;
  }
}
