// Docker's seccomp profile format (moby/profiles seccomp/types.go) and its conversion to the OCI `linux.seccomp`
// object, following dockerd's setupSeccomp (moby/profiles seccomp/seccomp_linux.go):
// - `archMap` picks the entry for the native arch and yields it plus its sub-architectures;
// - a rule is dropped when `excludes` matches (any listed arch is ours, any listed cap is held, or the kernel is
//   at least minKernel) or when `includes` does not (none of its arches is ours, one of its caps is missing, or
//   the kernel is older than minKernel); arches here are Go's names (amd64, arm64), caps the bounding set's;
// - `name` is folded into `names`; `comment`, `includes` and `excludes` are not part of the OCI object.
import { release } from 'node:os';
import { BerthError } from '../../base/errors.js';
import type { Seccomp } from '../../oci/runtime-spec.js';
import { nativeArchName, type NativeArch } from './arch.js';

/** includes/excludes of a docker profile rule. */
export interface DockerFilter {
  caps?: string[] | null;
  arches?: string[] | null;
  minKernel?: string | null;
}

/** One rule of a docker profile. */
export interface DockerSyscall {
  name?: string;
  names?: string[] | null;
  action: string;
  errnoRet?: number | null;
  args?: { index: number; value: number; valueTwo?: number; op: string }[] | null;
  comment?: string;
  includes?: DockerFilter | null;
  excludes?: DockerFilter | null;
}

/** A docker seccomp profile (the format of moby's default.json and `--security-opt seccomp=file.json`). */
export interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number | null;
  architectures?: string[] | null;
  archMap?: { architecture: string; subArchitectures: string[] | null }[] | null;
  flags?: string[] | null;
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: DockerSyscall[] | null;
}

/** The container a profile is resolved for. */
export interface DockerProfileOptions {
  /** The process's bounding capabilities (`CAP_SYS_ADMIN`, ...). */
  caps: string[];
  arch: NativeArch;
  /** The host kernel release (`uname -r`); defaults to this machine's. */
  kernel?: string;
}

// runtime.GOARCH spellings, which docker profiles use in includes/excludes.arches (goToNative in moby).
const GOARCH: Record<NativeArch, string> = { x86_64: 'amd64', aarch64: 'arm64' };

/** Resolves a docker profile for one container into an OCI `linux.seccomp`; undefined when it disables seccomp. */
export function dockerProfileToOci(profile: DockerProfile, opts: DockerProfileOptions): Seccomp | undefined {
  const field = 'seccomp profile';
  // dockerd: "No default action specified, no syscalls listed, assume seccomp disabled".
  if (!profile.defaultAction && !profile.syscalls?.length) return undefined;
  if (profile.architectures?.length && profile.archMap?.length)
    throw bad(`${field}: both "architectures" and "archMap" are set; use one`);

  const out: Seccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined && profile.defaultErrnoRet !== null)
    out.defaultErrnoRet = profile.defaultErrnoRet;
  const arches = [...(profile.architectures ?? [])];
  const native = nativeArchName(opts.arch);
  const entry = profile.archMap?.find((a) => a.architecture === native);
  if (entry) arches.push(entry.architecture, ...(entry.subArchitectures ?? []));
  if (arches.length) out.architectures = arches;
  if (profile.flags?.length) out.flags = [...profile.flags];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;

  const kernel = parseKernel(`${field}: host kernel`, opts.kernel ?? release());
  const goarch = GOARCH[opts.arch];
  const caps = new Set(opts.caps);
  const syscalls: NonNullable<Seccomp['syscalls']> = [];
  (profile.syscalls ?? []).forEach((call, i) => {
    const at = `${field}: syscalls[${i}]`;
    let names = call.names ?? [];
    if (call.name) {
      if (names.length) throw bad(`${at}: both "name" and "names" are set; use one`);
      names = [call.name];
    }
    const ex = call.excludes;
    if (ex) {
      if (ex.arches?.includes(goarch)) return;
      if (ex.caps?.some((c) => caps.has(c))) return;
      if (ex.minKernel && atLeast(kernel, parseKernel(`${at}.excludes.minKernel`, ex.minKernel))) return;
    }
    const inc = call.includes;
    if (inc) {
      if (inc.arches?.length && !inc.arches.includes(goarch)) return;
      if (inc.caps?.some((c) => !caps.has(c))) return;
      if (inc.minKernel && !atLeast(kernel, parseKernel(`${at}.includes.minKernel`, inc.minKernel))) return;
    }
    const rule: NonNullable<Seccomp['syscalls']>[number] = { names: [...names], action: call.action };
    if (call.errnoRet !== undefined && call.errnoRet !== null) rule.errnoRet = call.errnoRet;
    if (call.args?.length) rule.args = call.args.map((a) => ({ ...a }));
    syscalls.push(rule);
  });
  out.syscalls = syscalls;
  return out;
}

/** "major.minor[...]" as dockerd's parseKernelVersion reads it (Sscanf "%d.%d"): the rest is ignored. */
function parseKernel(field: string, v: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(v);
  if (!m) throw bad(`${field}: invalid kernel version "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

function atLeast(have: [number, number], want: [number, number]): boolean {
  return have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
}

function bad(message: string): BerthError {
  return new BerthError('InvalidArgument', message);
}
