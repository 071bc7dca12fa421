// A small eBPF interpreter for cgroup device programs, for tests: it decodes struct bpf_insn bytes and
// runs them on one struct bpf_cgroup_dev_ctx the way the kernel's interpreter (kernel/bpf/core.c) does,
// for the instructions device programs use: 32-bit ALU (mov, and, rsh), word loads from the context,
// 64- and 32-bit conditional jumps (jeq, jne) and exit. Anything else, a jump out of the program, a read
// of an unset register or a context access out of bounds is an error, as the verifier would make it.

/** One device access as the kernel describes it to the program. */
export interface DevAccess {
  /** 'b' or 'c'. */
  type: 'b' | 'c';
  /** Access bits: mknod 1, read 2, write 4 (BPF_DEVCG_ACC_*). */
  access: number;
  major: number;
  minor: number;
}

interface Decoded {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** Decodes struct bpf_insn[] (little endian). */
export function decodeEbpf(prog: Buffer): Decoded[] {
  if (prog.length % 8 !== 0) throw new Error(`program length ${prog.length} is not a multiple of 8`);
  const out: Decoded[] = [];
  for (let o = 0; o < prog.length; o += 8) {
    const regs = prog.readUInt8(o + 1);
    out.push({
      code: prog.readUInt8(o),
      dst: regs & 0xf,
      src: regs >> 4,
      off: prog.readInt16LE(o + 2),
      imm: prog.readInt32LE(o + 4),
    });
  }
  return out;
}

const U32 = 0xffffffffn;
const U64 = 0xffffffffffffffffn;

/** Runs a device program on one access; returns r0 (1 allows, 0 denies). */
export function runDeviceProgram(prog: Buffer, dev: DevAccess): number {
  const insns = decodeEbpf(prog);
  const ctx = Buffer.alloc(12);
  ctx.writeUInt32LE(((dev.access << 16) | (dev.type === 'b' ? 1 : 2)) >>> 0, 0);
  ctx.writeUInt32LE(dev.major >>> 0, 4);
  ctx.writeUInt32LE(dev.minor >>> 0, 8);
  const regs: (bigint | undefined)[] = new Array<bigint | undefined>(11).fill(undefined);
  regs[1] = -1n; // the context pointer: only loads through it are allowed
  const get = (r: number, pc: number): bigint => {
    const v = regs[r];
    if (v === undefined) throw new Error(`read of unset r${r} at ${pc}`);
    return v;
  };
  const imm64 = (imm: number): bigint => BigInt.asUintN(64, BigInt(imm));
  for (let pc = 0, steps = 0; steps < 10_000; steps++) {
    const i = insns[pc];
    if (!i) throw new Error(`fell off the program at ${pc}`);
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    const fromReg = (i.code & 0x08) !== 0;
    if (i.code === 0x61) {
      if (regs[i.src] !== -1n || i.off < 0 || i.off + 4 > ctx.length || i.off % 4 !== 0)
        throw new Error(`bad context load at ${pc}`);
      regs[i.dst] = BigInt(ctx.readUInt32LE(i.off));
      pc++;
    } else if (cls === 0x04 /* ALU (32-bit) */) {
      const a = op === 0xb0 ? 0n : get(i.dst, pc) & U32;
      const b = (fromReg ? get(i.src, pc) : imm64(i.imm)) & U32;
      let r: bigint;
      if (op === 0xb0) r = b;
      else if (op === 0x50) r = a & b;
      else if (op === 0x70) r = a >> (b & 31n);
      else throw new Error(`unsupported alu op 0x${i.code.toString(16)} at ${pc}`);
      regs[i.dst] = r & U32; // 32-bit ALU zero-extends into the 64-bit register
      pc++;
    } else if (i.code === 0x95) {
      return Number(get(0, pc) & U32);
    } else if (cls === 0x05 || cls === 0x06 /* JMP, JMP32 */) {
      const mask = cls === 0x06 ? U32 : U64;
      const a = get(i.dst, pc) & mask;
      const b = (fromReg ? get(i.src, pc) : imm64(i.imm)) & mask;
      let taken: boolean;
      if (op === 0x10) taken = a === b;
      else if (op === 0x50) taken = a !== b;
      else throw new Error(`unsupported jump op 0x${i.code.toString(16)} at ${pc}`);
      const next = pc + 1 + (taken ? i.off : 0);
      if (next <= pc || next >= insns.length) throw new Error(`jump out of range at ${pc}`);
      pc = next;
    } else throw new Error(`unsupported instruction 0x${i.code.toString(16)} at ${pc}`);
  }
  throw new Error('program did not terminate');
}
