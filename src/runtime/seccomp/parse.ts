// Checks an OCI `linux.seccomp` object and turns it into return values, architectures and rules the code
// generator can use without looking back at strings. Every error names the field it is about.
import { invalid } from '../../base/errors.js';
import type { Seccomp } from '../../oci/runtime-spec.js';
import { ARCHES, FOREIGN_ARCHES, nativeArchName, type ArchDef, type NativeArch } from './arch.js';
import {
  ACTIONS,
  EPERM,
  FILTER_FLAGS,
  OPERATORS,
  SECCOMP_RET,
  SECCOMP_RET_DATA,
  type Operator,
} from './constants.js';

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

/** A checked `linux.seccomp`. */
export interface ParsedSeccomp {
  defaultRet: number;
  /** The ABIs to give sections, native first, each once; arches with no table are dropped (see arch.ts). */
  arches: ArchDef[];
  rules: Rule[];
  flags: number;
}

const U64_MAX = (1n << 64n) - 1n;
const FIELD = 'linux.seccomp';

/** Checks `seccomp` and resolves its names; throws InvalidArgument naming the offending field. */
export function parseSeccomp(seccomp: Seccomp, native: NativeArch): ParsedSeccomp {
  if (typeof seccomp !== 'object' || seccomp === null) throw invalid(FIELD, 'must be an object');
  const defaultRet = parseAction(
    `${FIELD}.defaultAction`,
    seccomp.defaultAction,
    `${FIELD}.defaultErrnoRet`,
    seccomp.defaultErrnoRet,
  );
  return {
    defaultRet,
    arches: parseArches(seccomp.architectures, native),
    rules: (seccomp.syscalls ?? []).map((s, i) => parseRule(`${FIELD}.syscalls[${i}]`, s)),
    flags: parseFlags(seccomp.flags),
  };
}

/**
 * The SECCOMP_RET value of an action. ERRNO and TRACE carry `errnoRet` (EPERM when absent); runtime-spec
 * requires an error when any other action is given one.
 */
function parseAction(field: string, action: unknown, errnoField: string, errnoRet: unknown): number {
  if (typeof action !== 'string' || action === '') throw invalid(field, 'must name an action');
  const ret = ACTIONS.get(action);
  if (ret === undefined) throw invalid(field, `unknown action "${action}"`);
  // SCMP_ACT_NOTIFY needs a listener fd passed to the seccomp agent at listenerPath; not built yet.
  if (ret === SECCOMP_RET.USER_NOTIF) throw invalid(field, `action "${action}" is not supported`);
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

function parseArches(names: unknown, native: NativeArch): ArchDef[] {
  const field = `${FIELD}.architectures`;
  if (names !== undefined && names !== null && !Array.isArray(names)) throw invalid(field, 'must be a list');
  // libseccomp's filter context starts with the native arch (seccomp_init); runc then adds the listed ones.
  const wanted = [nativeArchName(native), ...((names as unknown[] | undefined) ?? [])];
  const out: ArchDef[] = [];
  wanted.forEach((name, i) => {
    const at = `${field}[${i - 1}]`;
    if (typeof name !== 'string') throw invalid(at, 'must be a string');
    const def = ARCHES.get(name);
    if (!def && !FOREIGN_ARCHES.has(name)) throw invalid(at, `unknown architecture "${name}"`);
    if (def?.table && !out.includes(def)) out.push(def);
  });
  return out;
}

function parseRule(field: string, s: NonNullable<Seccomp['syscalls']>[number]): Rule {
  if (typeof s !== 'object' || s === null) throw invalid(field, 'must be an object');
  if (!Array.isArray(s.names) || s.names.length === 0)
    throw invalid(`${field}.names`, 'must list at least one syscall');
  s.names.forEach((n, i) => {
    if (typeof n !== 'string' || n === '') throw invalid(`${field}.names[${i}]`, 'must be a syscall name');
  });
  const ret = parseAction(`${field}.action`, s.action, `${field}.errnoRet`, s.errnoRet);
  if (s.args !== undefined && s.args !== null && !Array.isArray(s.args))
    throw invalid(`${field}.args`, 'must be a list');
  const conditions = (s.args ?? []).map((a, i) => parseCondition(`${field}.args[${i}]`, a));
  return { names: s.names, ret, conditions };
}

function parseCondition(field: string, a: unknown): Condition {
  if (typeof a !== 'object' || a === null) throw invalid(field, 'must be an object');
  const { index, op, value, valueTwo } = a as Record<string, unknown>;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5)
    throw invalid(`${field}.index`, 'must be 0 to 5');
  const o = typeof op === 'string' ? OPERATORS.get(op) : undefined;
  if (!o) throw invalid(`${field}.op`, `unknown operator ${JSON.stringify(op ?? null)}`);
  return {
    index,
    op: o,
    value: parseU64(`${field}.value`, value),
    valueTwo: valueTwo === undefined || valueTwo === null ? 0n : parseU64(`${field}.valueTwo`, valueTwo),
  };
}

/**
 * A u64 operand. JSON numbers above 2^53 reach us already rounded to a double by JSON.parse; such a double is
 * still an exact integer and is taken as it is. A bigint (from a parser that keeps precision) is exact.
 */
function parseU64(field: string, v: unknown): bigint {
  let b: bigint | undefined;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  if (b === undefined || b < 0n || b > U64_MAX)
    throw invalid(field, `must be an integer from 0 to ${U64_MAX}`);
  return b;
}

function parseFlags(flags: unknown): number {
  const field = `${FIELD}.flags`;
  if (flags === undefined || flags === null) return 0;
  if (!Array.isArray(flags)) throw invalid(field, 'must be a list');
  let out = 0;
  flags.forEach((f, i) => {
    const bit = typeof f === 'string' ? FILTER_FLAGS.get(f) : undefined;
    if (bit === undefined) throw invalid(`${field}[${i}]`, `unknown flag ${JSON.stringify(f)}`);
    // The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER, i.e. without SCMP_ACT_NOTIFY (kernel/seccomp.c).
    if (f === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV')
      throw invalid(`${field}[${i}]`, `flag "${f}" is not supported without SCMP_ACT_NOTIFY`);
    out |= bit;
  });
  return out;
}
