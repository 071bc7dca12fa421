// Compiles an OCI `linux.seccomp` object into the classic BPF program native code hands to
// seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog). No libseccomp: the semantics below are libseccomp's and runc's,
// written down where they matter.
//
// Program layout (one section per audit arch, native first):
//
//   ld  arch                        ; seccomp_data.arch
//   jeq AUDIT_ARCH_X86_64 -> S1     ; one test per section
//   jeq AUDIT_ARCH_I386   -> S2
//   ret KILL_THREAD                 ; an arch not listed (libseccomp's bad-arch action)
//   S1: ld nr                       ; binary search over syscall-number ranges: ~log2(ranges) jumps
//       jge 0x...  ...              ;   each range ends at a `ret` or at a syscall's argument chain
//       <argument chains>           ; per syscall: its rules in order, conditions ANDed, first match wins
//       <ret ...>                   ; the section's return values
//   S2: ...
//
// Semantics (each mirrors what runc + libseccomp 2.5 do):
// - a name a table lacks is skipped for that arch only; unknown everywhere is skipped too (docker's profile
//   names syscalls that do not exist on every arch or kernel);
// - a rule whose action equals the default action is dropped (runc: libseccomp refuses such rules);
// - an unconditional rule for a syscall overrides every conditional one (libseccomp db.c: the syscall's
//   chains are discarded); otherwise conditional rules are tried in the order given, first match wins.
//   libseccomp instead orders one syscall's comparisons by argument index and value (db.c _db_tree_add), which
//   differs only when conditional rules with different actions match the same call;
// - the args entries of one rule are ANDed, unless one argument is compared more than once: libseccomp takes
//   one comparison per argument (seccomp_rule_add(3)), so runc and crun then add each entry as a rule of its
//   own, ORed (runc libcontainer/seccomp/seccomp_linux.go "revert to old behavior"), and so do we;
// - 64-bit ABIs compare all 64 bits (high word first, then low); 32-bit ABIs (x86, x32, arm) compare only the
//   low word, as libseccomp's ARCH_SIZE_32 backends do;
// - on AUDIT_ARCH_X86_64, numbers with __X32_SYSCALL_BIT belong to x32: when SCMP_ARCH_X32 is not listed they
//   get the bad-arch action, and when only x32 is listed the plain x86_64 numbers do; nr == -1 (a tracer's
//   "skip this syscall", re-checked by the kernel since 4.8) always reaches the default action. This is the
//   JGE 0x40000000 / JEQ 0xffffffff pair libseccomp's _gen_bpf_arch() emits;
// - numbers above the highest syscall the profile names return ENOSYS unless the default lets calls through
//   (runc's patchbpf stub; see enosysAboveLast).
import { type ArchDef, AUDIT_ARCH, hostArch, multiplexed, type NativeArch, X32_SYSCALL_BIT } from './arch.js';
import { Assembler, DATA, Label, OP } from './bpf.js';
import { BAD_ARCH_RET } from './constants.js';
import { SECCOMP_RET } from '../../oci/seccomp.js';
import type { Seccomp } from '../../oci/runtime-spec.js';
import { type Condition, parseSeccomp, type ParsedSeccomp, type Rule } from './parse.js';

/** What compileSeccomp produces: the program as struct sock_filter[] bytes, and seccomp(2) flags. */
export interface CompiledSeccomp {
  filter: Buffer;
  flags: number;
}

/** Options for compileSeccomp. */
export interface CompileOptions {
  /** The architecture the filter is for; defaults to the one Node runs on. */
  nativeArch?: NativeArch;
}

/** Compiles `linux.seccomp` to a classic BPF filter; throws InvalidArgument naming the bad field. */
export function compileSeccomp(seccomp: Seccomp, opts: CompileOptions = {}): CompiledSeccomp {
  const parsed = parseSeccomp(seccomp, opts.nativeArch ?? hostArch());
  const asm = new Assembler();
  const sections = groupByToken(parsed.arches).map((arches) => ({ arches, entry: new Label() }));
  asm.load(DATA.ARCH);
  for (const s of sections) {
    const next = new Label();
    asm.jump(OP.JEQ_K, s.arches[0]!.token, s.entry, next);
    asm.bind(next);
  }
  asm.ret(BAD_ARCH_RET);
  for (const s of sections) emitSection(asm, parsed, s.arches, s.entry);
  return { filter: asm.assemble(), flags: parsed.flags };
}

/** x86_64 and x32 share AUDIT_ARCH_X86_64, so they share a section, as libseccomp merges them. */
function groupByToken(arches: ArchDef[]): ArchDef[][] {
  const groups = new Map<number, ArchDef[]>();
  for (const a of arches) groups.set(a.token, [...(groups.get(a.token) ?? []), a]);
  return [...groups.values()];
}

/** What a syscall number leads to: a fixed return value, or an argument chain. */
type Handler =
  { ret: number } | { chain: { bits: 32 | 64; rules: { ret: number; conditions: Condition[] }[] } };

/** A run of syscall numbers [lo, hi] that share a handler, named by `key`. */
interface Span {
  lo: number;
  hi: number;
  key: string;
}

function emitSection(asm: Assembler, parsed: ParsedSeccomp, arches: ArchDef[], entry: Label): void {
  const rets = new Map<number, Label>();
  const retLabel = (k: number): Label => {
    let l = rets.get(k);
    if (!l) rets.set(k, (l = new Label()));
    return l;
  };
  const handlers = new Map<string, Handler>();
  const defaultKey = `ret:${parsed.defaultRet}`;
  handlers.set(defaultKey, { ret: parsed.defaultRet });

  const spans: Span[] = [];
  for (const [nr, h] of handlersByNumber(parsed.rules, parsed.defaultRet, arches)) {
    const key = 'ret' in h ? `ret:${h.ret}` : `chain:${nr}`;
    handlers.set(key, h);
    spans.push({ lo: nr, hi: nr, key });
  }
  for (const guard of x32Guard(arches)) {
    handlers.set(guard.key, { ret: BAD_ARCH_RET });
    spans.push(guard);
  }
  for (const newer of enosysAboveLast(parsed, arches)) {
    handlers.set(newer.key, { ret: ENOSYS_RET });
    spans.push(newer);
  }
  const ranges = fillAndMerge(spans, defaultKey);

  const labels = new Map<string, Label>();
  const target = (key: string): Label => {
    let l = labels.get(key);
    if (!l) {
      const h = handlers.get(key)!;
      labels.set(key, (l = 'ret' in h ? retLabel(h.ret) : new Label()));
    }
    return l;
  };
  asm.bind(entry);
  const only = ranges.length === 1 ? handlers.get(ranges[0]!.key) : undefined;
  if (only && 'ret' in only) {
    asm.ret(only.ret); // every number gets one action: no need to look at nr
    return;
  }
  asm.load(DATA.NR);
  emitSearch(asm, ranges, 0, ranges.length - 1, subtreeEntry(ranges, 0, ranges.length - 1, target), target);
  for (const [key, h] of handlers) {
    if ('chain' in h && labels.has(key))
      emitChain(asm, h.chain, labels.get(key)!, retLabel, parsed.defaultRet);
  }
  for (const [k, l] of rets) {
    asm.bind(l);
    asm.ret(k);
  }
}

/** Per syscall number, what it leads to; numbers left out get the default action. */
function handlersByNumber(rules: Rule[], defaultRet: number, arches: ArchDef[]): Map<number, Handler> {
  const byNr = new Map<number, { bits: 32 | 64; rules: { ret: number; conditions: Condition[] }[] }>();
  const add = (nr: number, bits: 32 | 64, ret: number, conditions: Condition[]): void => {
    let e = byNr.get(nr);
    if (!e) byNr.set(nr, (e = { bits, rules: [] }));
    e.rules.push({ ret, conditions });
  };
  for (const rule of rules.flatMap(asRuncAddsIt)) {
    if (rule.ret === defaultRet) continue;
    for (const name of rule.names) {
      for (const arch of arches) {
        const nr = arch.table?.get(name);
        if (nr !== undefined) add(nr, arch.bits, rule.ret, rule.conditions);
        // arg0 selects the sub-call; the call's own arguments sit behind a pointer BPF cannot follow, so the
        // rule's conditions are dropped here. libseccomp likewise replaces an arg0 condition (arch-x86.c) but
        // keeps ones on args 1-5, which then test socketcall's unrelated registers; we do not copy that.
        const mux = multiplexed(arch, name);
        if (mux) add(mux.nr, 32, rule.ret, [{ index: 0, op: 'EQ', value: BigInt(mux.call), valueTwo: 0n }]);
      }
    }
  }
  const out = new Map<number, Handler>();
  for (const [nr, e] of byNr) {
    const always = e.rules.find((r) => r.conditions.length === 0);
    out.set(nr, always ? { ret: always.ret } : { chain: e });
  }
  return out;
}

/** A rule comparing one argument twice becomes one rule per comparison (see the header); others stay whole. */
function asRuncAddsIt(rule: Rule): Rule[] {
  const indexes = new Set(rule.conditions.map((c) => c.index));
  if (indexes.size === rule.conditions.length) return [rule];
  return rule.conditions.map((c) => ({ ...rule, conditions: [c] }));
}

/** The x32/x86_64 split on AUDIT_ARCH_X86_64 when only one of the two ABIs is listed. */
function x32Guard(arches: ArchDef[]): Span[] {
  if (arches[0]?.token !== AUDIT_ARCH.X86_64) return [];
  const x32 = arches.some((a) => a.name === 'SCMP_ARCH_X32');
  const x64 = arches.some((a) => a.name === 'SCMP_ARCH_X86_64');
  const bad = `ret:${BAD_ARCH_RET}`;
  if (x64 && !x32) return [{ lo: X32_SYSCALL_BIT, hi: 0xfffffffe, key: bad }];
  if (x32 && !x64) return [{ lo: 0, hi: X32_SYSCALL_BIT - 1, key: bad }];
  return [];
}

const ENOSYS_RET = (SECCOMP_RET.ERRNO | 38) >>> 0;

/**
 * runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): numbers above the highest syscall the profile names (per
 * ABI) are newer than the profile, so they fail with ENOSYS rather than the default errno; libcs then fall back
 * to older syscalls (glibc's fchmodat2 -> fchmodat) instead of failing with EPERM. runc skips this when the
 * default action lets syscalls through (ALLOW, LOG, TRACE) or already is ERRNO(ENOSYS).
 */
function enosysAboveLast(parsed: ParsedSeccomp, arches: ArchDef[]): Span[] {
  const d = parsed.defaultRet;
  const action = (d & 0xffff0000) >>> 0;
  if (
    d === ENOSYS_RET ||
    action === SECCOMP_RET.ALLOW ||
    action === SECCOMP_RET.LOG ||
    action === SECCOMP_RET.TRACE
  )
    return [];
  const out: Span[] = [];
  for (const arch of arches) {
    let last = -1;
    for (const rule of parsed.rules) {
      for (const name of rule.names) {
        last = Math.max(last, arch.table?.get(name) ?? -1, multiplexed(arch, name)?.nr ?? -1);
      }
    }
    if (last < 0) continue;
    // x86_64 numbers end where x32's begin; nr -1 (0xffffffff) keeps the default, as everywhere else.
    const end = arch.name === 'SCMP_ARCH_X86_64' ? X32_SYSCALL_BIT - 1 : 0xfffffffe;
    if (last < end) out.push({ lo: last + 1, hi: end, key: `ret:${ENOSYS_RET}` });
  }
  return out;
}

/** Sorts spans, fills the gaps with the default, and joins neighbours with the same handler. */
function fillAndMerge(spans: Span[], defaultKey: string): Span[] {
  spans.sort((a, b) => a.lo - b.lo);
  const out: Span[] = [];
  const push = (s: Span): void => {
    const last = out[out.length - 1];
    if (last && last.key === s.key && last.hi + 1 === s.lo) last.hi = s.hi;
    else out.push({ ...s });
  };
  let next = 0;
  for (const s of spans) {
    if (s.lo < next) throw new Error(`seccomp: overlapping syscall ranges at ${s.lo}`);
    if (s.lo > next) push({ lo: next, hi: s.lo - 1, key: defaultKey });
    push(s);
    next = s.hi + 1;
  }
  if (next <= 0xffffffff) push({ lo: next, hi: 0xffffffff, key: defaultKey });
  return out;
}

function subtreeEntry(ranges: Span[], lo: number, hi: number, target: (key: string) => Label): Label {
  return lo === hi ? target(ranges[lo]!.key) : new Label();
}

/**
 * A balanced binary search over ranges[lo..hi] (A holds nr): one JGE per split, laid out in preorder so the
 * lower half falls through. A leaf is no instruction at all: its parent jumps straight to its handler.
 */
function emitSearch(
  asm: Assembler,
  ranges: Span[],
  lo: number,
  hi: number,
  entry: Label,
  target: (key: string) => Label,
): void {
  if (lo === hi) return;
  const mid = (lo + hi + 1) >> 1;
  const below = subtreeEntry(ranges, lo, mid - 1, target);
  const above = subtreeEntry(ranges, mid, hi, target);
  asm.bind(entry);
  asm.jump(OP.JGE_K, ranges[mid]!.lo, above, below);
  emitSearch(asm, ranges, lo, mid - 1, below, target);
  emitSearch(asm, ranges, mid, hi, above, target);
}

/** One syscall's conditional rules: each rule's conditions in turn; the first rule to pass returns its action. */
function emitChain(
  asm: Assembler,
  chain: { bits: 32 | 64; rules: { ret: number; conditions: Condition[] }[] },
  entry: Label,
  retLabel: (k: number) => Label,
  defaultRet: number,
): void {
  asm.bind(entry);
  chain.rules.forEach((rule, r) => {
    const fail = r === chain.rules.length - 1 ? retLabel(defaultRet) : new Label();
    rule.conditions.forEach((c, i) => {
      const last = i === rule.conditions.length - 1;
      const pass = last ? retLabel(rule.ret) : new Label();
      emitCondition(asm, c, chain.bits, pass, fail);
      if (!last) asm.bind(pass);
    });
    if (r !== chain.rules.length - 1) asm.bind(fail);
  });
}

const hi32 = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
const lo32 = (v: bigint): number => Number(v & 0xffffffffn);

/**
 * Tests one condition on args[index], going to `pass` or `fail`. 64-bit operands are compared high word first:
 * a strict order on the high words decides, equal high words defer to the low words (libseccomp's
 * _gen_bpf_node for 64-bit arches). LT and LE are GE and GT with the targets swapped.
 */
function emitCondition(asm: Assembler, c: Condition, bits: 32 | 64, pass: Label, fail: Label): void {
  const swap = c.op === 'LT' || c.op === 'LE' || c.op === 'NE';
  const [yes, no] = swap ? [fail, pass] : [pass, fail];
  const masked = c.op === 'MASKED_EQ';
  // For MASKED_EQ, `value` is the mask and `valueTwo` the expected result: (arg & value) == valueTwo.
  const operand = masked ? c.valueTwo : c.value;
  const lowOp =
    c.op === 'GT' || c.op === 'LE' ? OP.JGT_K : c.op === 'GE' || c.op === 'LT' ? OP.JGE_K : OP.JEQ_K;
  if (bits === 64) {
    const low = new Label();
    if (masked || c.op === 'EQ' || c.op === 'NE') {
      const skip = masked && hi32(c.value) === 0 && hi32(operand) === 0; // arg_hi & 0 == 0 always holds
      if (!skip) {
        asm.load(DATA.argHigh(c.index));
        if (masked) asm.and(hi32(c.value));
        asm.jump(OP.JEQ_K, hi32(operand), low, no);
      }
    } else {
      // Ordered: the high words decide unless they are equal. With a zero high word, "above" is simply
      // "not zero", so the equality test can go.
      asm.load(DATA.argHigh(c.index));
      if (hi32(operand) === 0) {
        asm.jump(OP.JGT_K, 0, yes, low);
      } else {
        const equal = new Label();
        asm.jump(OP.JGT_K, hi32(operand), yes, equal);
        asm.bind(equal);
        asm.jump(OP.JEQ_K, hi32(operand), low, no);
      }
    }
    asm.bind(low);
  }
  asm.load(DATA.argLow(c.index));
  if (masked) asm.and(lo32(c.value));
  asm.jump(lowOp, lo32(operand), yes, no);
}
