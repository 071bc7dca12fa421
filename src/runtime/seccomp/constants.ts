// The kernel's seccomp return values and flags (include/uapi/linux/seccomp.h) and the OCI names that select them
// (runtime-spec config-linux.md "Seccomp", whose strings are libseccomp's seccomp.h names).

/** SECCOMP_RET_* actions: the high 16 bits of a filter's return value; the low 16 (SECCOMP_RET_DATA) carry data. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** SECCOMP_RET_ACTION_FULL: the mask that keeps the action and drops SECCOMP_RET_DATA. */
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;

/** SECCOMP_RET_DATA: the errno or tracer value carried by ERRNO and TRACE. */
export const SECCOMP_RET_DATA = 0x0000ffff;

/**
 * OCI action names and the SECCOMP_RET_* value each selects. SCMP_ACT_KILL is libseccomp's old name for
 * KILL_THREAD. ERRNO and TRACE take `errnoRet` (EPERM when absent) in SECCOMP_RET_DATA. NOTIFY is listed so that
 * it is recognised and refused by name rather than reported as unknown.
 */
export const ACTIONS: ReadonlyMap<string, number> = new Map([
  ['SCMP_ACT_KILL', SECCOMP_RET.KILL_THREAD],
  ['SCMP_ACT_KILL_THREAD', SECCOMP_RET.KILL_THREAD],
  ['SCMP_ACT_KILL_PROCESS', SECCOMP_RET.KILL_PROCESS],
  ['SCMP_ACT_TRAP', SECCOMP_RET.TRAP],
  ['SCMP_ACT_ERRNO', SECCOMP_RET.ERRNO],
  ['SCMP_ACT_TRACE', SECCOMP_RET.TRACE],
  ['SCMP_ACT_ALLOW', SECCOMP_RET.ALLOW],
  ['SCMP_ACT_LOG', SECCOMP_RET.LOG],
  ['SCMP_ACT_NOTIFY', SECCOMP_RET.USER_NOTIF],
]);

/** The action for an architecture the filter does not list (libseccomp's SCMP_FLTATR_ACT_BADARCH). */
export const BAD_ARCH_RET: number = SECCOMP_RET.KILL_PROCESS;

/** EPERM: the errno of SCMP_ACT_ERRNO and SCMP_ACT_TRACE when no errnoRet is given (runtime-spec). */
export const EPERM = 1;

/** seccomp(2) SECCOMP_SET_MODE_FILTER flags, by their OCI names. */
export const FILTER_FLAGS: ReadonlyMap<string, number> = new Map([
  ['SECCOMP_FILTER_FLAG_TSYNC', 1 << 0],
  ['SECCOMP_FILTER_FLAG_LOG', 1 << 1],
  ['SECCOMP_FILTER_FLAG_SPEC_ALLOW', 1 << 2],
  ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 1 << 5],
]);

/** The SCMP_CMP_* operators of `args[].op`. */
export type Operator = 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ';

/** OCI operator names, each to the comparison it stands for (all unsigned, on the argument's full width). */
export const OPERATORS: ReadonlyMap<string, Operator> = new Map<string, Operator>([
  ['SCMP_CMP_NE', 'NE'],
  ['SCMP_CMP_LT', 'LT'],
  ['SCMP_CMP_LE', 'LE'],
  ['SCMP_CMP_EQ', 'EQ'],
  ['SCMP_CMP_GE', 'GE'],
  ['SCMP_CMP_GT', 'GT'],
  ['SCMP_CMP_MASKED_EQ', 'MASKED_EQ'],
]);
