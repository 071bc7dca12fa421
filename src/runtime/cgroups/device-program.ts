// Puts a device program on a cgroup v2 directory: load it (BPF_PROG_LOAD), attach it with
// BPF_F_ALLOW_MULTI, and retire the programs it supersedes — atomically with BPF_F_REPLACE when there is
// exactly one, as runc does, so an update never leaves a moment with no filter or with two that disagree.
// A legacy attachment holds the program in the kernel after our fds close, until it is detached or the
// cgroup is removed (bpf(2), BPF_PROG_ATTACH), so nothing has to stay open.
import { closeSync, constants, openSync } from 'node:fs';
import { wrap } from '../../base/errors.js';
import { native } from '../../base/native.js';
import { deviceProgram, encodeProgram } from './device-bpf.js';
import type { DeviceState } from './device-emulator.js';

/** The license string the verifier sees (the kernel's MODULE_LICENSE form). */
const LICENSE = 'Apache-2.0';

function tryClose(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Ids of the device programs attached to the cgroup directory `dir` itself. */
export function attachedDevicePrograms(dir: string): number[] {
  const n = native();
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return n.bpfProgQuery(fd, n.BPF_CGROUP_DEVICE);
  } finally {
    closeSync(fd);
  }
}

/** Compiles `state`, attaches it to the cgroup v2 directory `dir` and detaches the programs it replaces. */
export function attachDeviceProgram(dir: string, state: DeviceState): void {
  const n = native();
  const fds: number[] = [];
  try {
    const prog = n.bpfProgLoad(n.BPF_PROG_TYPE_CGROUP_DEVICE, encodeProgram(deviceProgram(state)), LICENSE);
    fds.push(prog);
    const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    fds.push(dirFd);
    const old: number[] = [];
    for (const id of n.bpfProgQuery(dirFd, n.BPF_CGROUP_DEVICE)) {
      try {
        old.push(n.bpfProgGetFdById(id));
        fds.push(old[old.length - 1]!);
      } catch (err) {
        // A program an LSM hides from us can only restrict further; leave it (runc does too).
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOENT') throw err;
      }
    }
    if (old.length === 1) {
      try {
        n.bpfProgAttach(dirFd, prog, n.BPF_CGROUP_DEVICE, n.BPF_F_ALLOW_MULTI | n.BPF_F_REPLACE, old[0]!);
        return;
      } catch (err) {
        // Kernels before 5.6 have no BPF_F_REPLACE: attach, then detach, below.
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      }
    }
    n.bpfProgAttach(dirFd, prog, n.BPF_CGROUP_DEVICE, n.BPF_F_ALLOW_MULTI, -1);
    for (const fd of old) n.bpfProgDetach(dirFd, fd, n.BPF_CGROUP_DEVICE);
  } catch (err) {
    throw wrap(err, `cgroup: device program for "${dir}"`);
  } finally {
    for (const fd of fds) tryClose(fd);
  }
}
