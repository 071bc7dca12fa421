// A small assembler for classic BPF as seccomp runs it: instructions are emitted against labels, then laid out
// with every jump resolved to the 8-bit forward offsets classic BPF allows.
//
// Wire format, one `struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }` per instruction, in host
// byte order (little endian on x86_64 and aarch64), 8 bytes each (include/uapi/linux/filter.h):
//
//   byte 0      2    3    4                8
//        | code | jt | jf |       k       |
//
// Conditional jumps go forward jt/jf + 1 instructions (0..255); BPF_JA goes forward k. Nothing jumps backward,
// and the program must end in a return (net/core/filter.c bpf_check_classic).
import { BerthError } from '../../base/errors.js';

/** Opcodes this compiler uses (BPF_CLASS | BPF_SIZE/OP | BPF_MODE/SRC, include/uapi/linux/bpf_common.h). */
export const OP = {
  LD_W_ABS: 0x20, // A = *(u32 *)(seccomp_data + k)
  ALU_AND_K: 0x54, // A &= k
  JA: 0x05, // pc += k
  JEQ_K: 0x15, // pc += (A == k) ? jt : jf
  JGT_K: 0x25, // pc += (A > k) ? jt : jf, unsigned
  JGE_K: 0x35, // pc += (A >= k) ? jt : jf, unsigned
  JSET_K: 0x45, // pc += (A & k) ? jt : jf
  RET_K: 0x06, // return k
} as const;

/** BPF_MAXINSNS: the kernel refuses longer filters (include/uapi/linux/bpf_common.h). */
export const BPF_MAXINSNS = 4096;

/** Offsets in struct seccomp_data: nr, arch, then args[6] as u64 (low word first on little endian). */
export const DATA = {
  NR: 0,
  ARCH: 4,
  argLow: (i: number): number => 16 + 8 * i,
  argHigh: (i: number): number => 16 + 8 * i + 4,
} as const;

/** A place in the program; bound to the next instruction emitted after `bind`. */
export class Label {
  insn: Insn | undefined;
}

/** A conditional jump's opcode. */
export type JumpOp = typeof OP.JEQ_K | typeof OP.JGT_K | typeof OP.JGE_K | typeof OP.JSET_K;

interface Insn {
  code: number;
  k: number;
  jt?: Label;
  jf?: Label;
  /** BPF_JA's target. */
  to?: Label;
}

/** A program under construction: emit instructions, then `assemble()` lays them out and encodes them. */
export class Assembler {
  private readonly insns: Insn[] = [];
  private pending: Label[] = [];

  /** Binds `l` to the next instruction emitted. */
  bind(l: Label): void {
    if (l.insn || this.pending.includes(l)) throw new Error('bpf: label bound twice');
    this.pending.push(l);
  }

  /** A = the 32-bit word at `offset` in seccomp_data. */
  load(offset: number): void {
    this.emit({ code: OP.LD_W_ABS, k: offset });
  }

  /** A &= k. */
  and(k: number): void {
    this.emit({ code: OP.ALU_AND_K, k });
  }

  /** Goes to `jt` when A op k holds, else to `jf`. */
  jump(code: JumpOp, k: number, jt: Label, jf: Label): void {
    this.emit({ code, k, jt, jf });
  }

  /** Returns `k` to the kernel (a SECCOMP_RET_* value). */
  ret(k: number): void {
    this.emit({ code: OP.RET_K, k });
  }

  private emit(i: Insn): void {
    i.k = i.k >>> 0;
    for (const l of this.pending) l.insn = i;
    this.pending = [];
    this.insns.push(i);
  }

  /** Lays the program out, bridging far jumps, and encodes it as struct sock_filter[]. */
  assemble(): Buffer {
    if (this.pending.length) throw new Error('bpf: label bound after the last instruction');
    const insns = this.insns.slice();
    this.resolveFarJumps(insns);
    if (insns.length > BPF_MAXINSNS)
      throw new BerthError(
        'InvalidArgument',
        `linux.seccomp: the filter needs ${insns.length} instructions, more than the kernel's ${BPF_MAXINSNS}`,
      );
    const pos = positions(insns);
    const buf = Buffer.alloc(insns.length * 8);
    insns.forEach((i, n) => {
      let jt = 0;
      let jf = 0;
      let k = i.k;
      if (i.jt && i.jf) {
        jt = distance(pos, n, i.jt);
        jf = distance(pos, n, i.jf);
        if (jt > 255 || jf > 255) throw new Error('bpf: conditional jump out of reach');
      } else if (i.to) k = distance(pos, n, i.to);
      buf.writeUInt16LE(i.code, n * 8);
      buf.writeUInt8(jt, n * 8 + 2);
      buf.writeUInt8(jf, n * 8 + 3);
      buf.writeUInt32LE(k >>> 0, n * 8 + 4);
    });
    return buf;
  }

  // Conditional jumps reach at most 255 instructions ahead. Like libseccomp's _gen_bpf_build_jmp(), a jump that
  // is too long is first pointed at an equivalent instruction within reach (a copy of the same `ret`, or a
  // BPF_JA to the same target); failing that, a copy of the target `ret` or a BPF_JA is inserted right after
  // the jump. Nothing falls through into the inserted instruction (the jump before it names both targets), and
  // it never moves away from its jump again, so each round fixes at least one jump and the loop ends.
  private resolveFarJumps(insns: Insn[]): void {
    for (;;) {
      const pos = positions(insns);
      const inserts: { at: number; insn: Insn }[] = [];
      insns.forEach((i, n) => {
        if (!i.jt || !i.jf) return;
        const made = new Map<string, Label>();
        for (const side of ['jt', 'jf'] as const) {
          const target = i[side]!;
          if (distance(pos, n, target) <= 255) continue;
          const key = keyOf(target.insn!);
          const near = insns.slice(n + 1, n + 257).find((c) => keyOf(c) === key);
          if (near) {
            i[side] = labelAt(near);
            continue;
          }
          let bridge = made.get(key);
          if (!bridge) {
            const t = target.insn!;
            const insn: Insn =
              t.code === OP.RET_K ? { code: OP.RET_K, k: t.k } : { code: OP.JA, k: 0, to: target };
            bridge = labelAt(insn);
            made.set(key, bridge);
            inserts.push({ at: n + 1, insn });
          }
          i[side] = bridge;
        }
      });
      if (!inserts.length) return;
      for (const { at, insn } of inserts.reverse()) insns.splice(at, 0, insn);
    }
  }
}

/** Instructions doing the same thing wherever they sit share a key: `ret k`, or a BPF_JA to one target. */
const ids = new WeakMap<Insn, number>();
let nextId = 0;
function keyOf(i: Insn): string {
  if (i.code === OP.RET_K) return `ret:${i.k}`;
  if (i.code === OP.JA && i.to?.insn) return keyOf(i.to.insn);
  let id = ids.get(i);
  if (id === undefined) ids.set(i, (id = nextId++));
  return `insn:${id}`;
}

function labelAt(i: Insn): Label {
  const l = new Label();
  l.insn = i;
  return l;
}

function positions(insns: Insn[]): Map<Insn, number> {
  return new Map(insns.map((i, n) => [i, n]));
}

/** Instructions skipped by a jump at `from` to `to` (forward only). */
function distance(pos: Map<Insn, number>, from: number, to: Label): number {
  const at = to.insn ? pos.get(to.insn) : undefined;
  if (at === undefined) throw new Error('bpf: jump to an unbound label');
  const d = at - from - 1;
  if (d < 0) throw new Error('bpf: backward jump');
  return d;
}
