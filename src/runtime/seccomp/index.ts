// Seccomp for Berth's runtime: OCI `linux.seccomp` (and docker profiles) compiled to classic BPF, which native
// code installs with seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog) after prctl(PR_SET_NO_NEW_PRIVS) or with
// CAP_SYS_ADMIN. The filter bytes are struct sock_filter[] in host byte order; `flags` go to seccomp(2) as is.
export { compileSeccomp, type CompiledSeccomp, type CompileOptions } from './compile.js';
export { compileSeccompCached } from './cache.js';
export { defaultSeccompProfile } from './default-profile.js';
export {
  dockerProfileToOci,
  type DockerFilter,
  type DockerProfile,
  type DockerProfileOptions,
  type DockerSyscall,
} from './from-docker.js';
export { BAD_ARCH_RET } from './constants.js';
export {
  ACTIONS,
  EPERM,
  FILTER_FLAGS,
  OPERATORS,
  SECCOMP_ARCHES,
  SECCOMP_RET,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_DATA,
  SUPPORTED_ACTIONS,
  SUPPORTED_FLAGS,
  type Operator,
} from '../../oci/seccomp.js';
export {
  ARCHES,
  AUDIT_ARCH,
  FOREIGN_ARCHES,
  hostArch,
  X32_SYSCALL_BIT,
  type ArchDef,
  type NativeArch,
} from './arch.js';
export { BPF_MAXINSNS } from './bpf.js';
