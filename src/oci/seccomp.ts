// The OCI `linux.seccomp` vocabulary (runtime-spec config-linux.md "Seccomp": libseccomp's seccomp.h names) with
// the kernel values they select (include/uapi/linux/seccomp.h), and the structural check of a `linux.seccomp`
// object. Every error names the field it is about. The runtime's compiler (src/runtime/seccomp) builds on the
// checked form; validateSpec runs the same check so that a bad profile fails before anything is created.
import { invalid } from '../base/errors.js';

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

/** The actions a filter can carry here: all but SCMP_ACT_NOTIFY, which needs a seccomp agent (see checkAction). */
export const SUPPORTED_ACTIONS: readonly string[] = [...ACTIONS.keys()].filter(
  (a) => a !== 'SCMP_ACT_NOTIFY',
);

/** EPERM: the errno of SCMP_ACT_ERRNO and SCMP_ACT_TRACE when no errnoRet is given (runtime-spec). */
export const EPERM = 1;

/** seccomp(2) SECCOMP_SET_MODE_FILTER flags, by their OCI names. */
export const FILTER_FLAGS: ReadonlyMap<string, number> = new Map([
  ['SECCOMP_FILTER_FLAG_TSYNC', 1 << 0],
  ['SECCOMP_FILTER_FLAG_LOG', 1 << 1],
  ['SECCOMP_FILTER_FLAG_SPEC_ALLOW', 1 << 2],
  ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 1 << 5],
]);

/** The flags a filter can carry here: WAIT_KILLABLE_RECV only means something with SCMP_ACT_NOTIFY. */
export const SUPPORTED_FLAGS: readonly string[] = [...FILTER_FLAGS.keys()].filter(
  (f) => f !== 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
);

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

/** Every SCMP_ARCH_* name runtime-spec lists (libseccomp 2.6). */
export const SECCOMP_ARCHES: readonly string[] = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
];

/** One argument comparison; `value` and `valueTwo` are the full u64 operands. */
export interface Condition {
  index: number;
  op: Operator;
  value: bigint;
  valueTwo: bigint;
}

/** One `syscalls[]` entry: its names, the SECCOMP_RET value it returns, and its ANDed conditions. */
export interface Rule {
  names: string[];
  ret: number;
  conditions: Condition[];
}

/** A checked `linux.seccomp`: return values instead of action names, flag bits instead of flag names. */
export interface CheckedSeccomp {
  defaultRet: number;
  /** The listed SCMP_ARCH_* names, as given. */
  architectures: string[];
  rules: Rule[];
  flags: number;
}

const U64_MAX = (1n << 64n) - 1n;
const FIELD = 'linux.seccomp';

/** Checks a `linux.seccomp` object; throws InvalidArgument naming the offending field. */
export function checkSeccomp(seccomp: unknown): CheckedSeccomp {
  if (typeof seccomp !== 'object' || seccomp === null || Array.isArray(seccomp))
    throw invalid(FIELD, 'must be an object');
  const s = seccomp as Record<string, unknown>;
  const listener = checkListener(s);
  const defaultRet = checkAction(
    `${FIELD}.defaultAction`,
    s.defaultAction,
    `${FIELD}.defaultErrnoRet`,
    s.defaultErrnoRet,
    listener,
  );
  const syscalls = list(s.syscalls, `${FIELD}.syscalls`);
  return {
    defaultRet,
    architectures: checkArches(s.architectures),
    rules: syscalls.map((r, i) => checkRule(`${FIELD}.syscalls[${i}]`, r, listener)),
    flags: checkFlags(s.flags),
  };
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(field, 'must be a list');
  return v;
}

/** listenerPath and listenerMetadata; returns whether an agent socket is named. */
function checkListener(s: Record<string, unknown>): boolean {
  const { listenerPath: path, listenerMetadata: meta } = s;
  if (path !== undefined && path !== null && typeof path !== 'string')
    throw invalid(`${FIELD}.listenerPath`, 'must be a string');
  if (meta !== undefined && meta !== null && typeof meta !== 'string')
    throw invalid(`${FIELD}.listenerMetadata`, 'must be a string');
  // config-linux.md: listenerMetadata "MUST NOT be set if listenerPath is not set".
  if (meta && !path) throw invalid(`${FIELD}.listenerMetadata`, 'is set without listenerPath');
  return Boolean(path);
}

/**
 * The SECCOMP_RET value of an action. ERRNO and TRACE carry `errnoRet` (EPERM when absent); runtime-spec
 * requires an error when any other action is given one.
 */
function checkAction(
  field: string,
  action: unknown,
  errnoField: string,
  errnoRet: unknown,
  listener: boolean,
): number {
  if (typeof action !== 'string' || action === '') throw invalid(field, 'must name an action');
  const ret = ACTIONS.get(action);
  if (ret === undefined) throw invalid(field, `unknown action "${action}"`);
  // SCMP_ACT_NOTIFY hands the syscall to a seccomp agent, which gets the listener fd over listenerPath
  // (config-linux.md "The Container Process State"). Berth has no agent hand-off yet: refuse it by name.
  if (ret === SECCOMP_RET.USER_NOTIF)
    throw invalid(
      field,
      listener
        ? `action "${action}" is not supported yet: berth-runtime cannot pass the listener to a seccomp agent`
        : `action "${action}" needs a seccomp agent at linux.seccomp.listenerPath`,
    );
  const takesData = ret === SECCOMP_RET.ERRNO || ret === SECCOMP_RET.TRACE;
  if (errnoRet === undefined || errnoRet === null) return takesData ? ret | EPERM : ret;
  if (!takesData) throw invalid(errnoField, `action "${action}" takes no errno`);
  if (
    typeof errnoRet !== 'number' ||
    !Number.isInteger(errnoRet) ||
    errnoRet < 0 ||
    errnoRet > SECCOMP_RET_DATA
  )
    throw invalid(errnoField, `must be an integer from 0 to ${SECCOMP_RET_DATA}`);
  return (ret | errnoRet) >>> 0;
}

function checkArches(names: unknown): string[] {
  const field = `${FIELD}.architectures`;
  return list(names, field).map((name, i) => {
    if (typeof name !== 'string') throw invalid(`${field}[${i}]`, 'must be a string');
    if (!SECCOMP_ARCHES.includes(name)) throw invalid(`${field}[${i}]`, `unknown architecture "${name}"`);
    return name;
  });
}

function checkRule(field: string, r: unknown, listener: boolean): Rule {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalid(field, 'must be an object');
  const s = r as Record<string, unknown>;
  if (!Array.isArray(s.names) || s.names.length === 0)
    throw invalid(`${field}.names`, 'must list at least one syscall');
  const names = s.names.map((n: unknown, i) => {
    if (typeof n !== 'string' || n === '') throw invalid(`${field}.names[${i}]`, 'must be a syscall name');
    return n;
  });
  const ret = checkAction(`${field}.action`, s.action, `${field}.errnoRet`, s.errnoRet, listener);
  const conditions = list(s.args, `${field}.args`).map((a, i) => checkCondition(`${field}.args[${i}]`, a));
  return { names, ret, conditions };
}

function checkCondition(field: string, a: unknown): Condition {
  if (typeof a !== 'object' || a === null) throw invalid(field, 'must be an object');
  const { index, op, value, valueTwo } = a as Record<string, unknown>;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5)
    throw invalid(`${field}.index`, 'must be 0 to 5');
  const o = typeof op === 'string' ? OPERATORS.get(op) : undefined;
  if (!o) throw invalid(`${field}.op`, `unknown operator ${JSON.stringify(op ?? null)}`);
  return {
    index,
    op: o,
    value: checkU64(`${field}.value`, value),
    valueTwo: valueTwo === undefined || valueTwo === null ? 0n : checkU64(`${field}.valueTwo`, valueTwo),
  };
}

/**
 * A u64 operand. JSON numbers above 2^53 reach us already rounded to a double by JSON.parse; such a double is
 * still an exact integer and is taken as it is. A bigint (from a parser that keeps precision) is exact.
 */
function checkU64(field: string, v: unknown): bigint {
  let b: bigint | undefined;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  if (b === undefined || b < 0n || b > U64_MAX)
    throw invalid(field, `must be an integer from 0 to ${U64_MAX}`);
  return b;
}

function checkFlags(flags: unknown): number {
  const field = `${FIELD}.flags`;
  let out = 0;
  list(flags, field).forEach((f, i) => {
    const bit = typeof f === 'string' ? FILTER_FLAGS.get(f) : undefined;
    if (bit === undefined) throw invalid(`${field}[${i}]`, `unknown flag ${JSON.stringify(f)}`);
    // The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER, i.e. without SCMP_ACT_NOTIFY (kernel/seccomp.c).
    if (!SUPPORTED_FLAGS.includes(f as string))
      throw invalid(`${field}[${i}]`, `flag "${f}" is not supported without SCMP_ACT_NOTIFY`);
    out |= bit;
  });
  return out;
}
