// A classic BPF interpreter for seccomp filters, for tests: it runs a program on one struct seccomp_data the way
// the kernel does (net/core/filter.c after seccomp_check_filter() in kernel/seccomp.c) and returns the u32 the
// filter returns. It checks what the kernel checks before it runs anything: length, forward in-range jumps,
// aligned in-range loads, and a return as the last instruction.

/** The fields of struct seccomp_data a filter can read (instruction_pointer is 0 here). */
export interface SeccompData {
  nr: number;
  arch: number;
  args?: (bigint | number)[];
}

const DATA_SIZE = 64; // sizeof(struct seccomp_data)
const MAX_INSNS = 4096;

/** Decodes struct sock_filter[] bytes (little endian). */
export function decode(filter: Buffer): { code: number; jt: number; jf: number; k: number }[] {
  if (filter.length % 8 !== 0) throw new Error(`filter length ${filter.length} is not a multiple of 8`);
  const out = [];
  for (let o = 0; o < filter.length; o += 8)
    out.push({
      code: filter.readUInt16LE(o),
      jt: filter.readUInt8(o + 2),
      jf: filter.readUInt8(o + 3),
      k: filter.readUInt32LE(o + 4),
    });
  return out;
}

/** Rejects a program the kernel would refuse with EINVAL. */
export function validate(filter: Buffer): void {
  const p = decode(filter);
  if (p.length === 0 || p.length > MAX_INSNS) throw new Error(`bad program length ${p.length}`);
  p.forEach((i, pc) => {
    const cls = i.code & 0x07;
    if (cls === 0x05 /* JMP */) {
      if ((i.code & 0xf0) === 0x00 /* JA */) {
        if (pc + 1 + i.k >= p.length) throw new Error(`ja out of range at ${pc}`);
      } else if (pc + 1 + Math.max(i.jt, i.jf) >= p.length) throw new Error(`jump out of range at ${pc}`);
    }
    if (i.code === 0x20 && (i.k % 4 !== 0 || i.k >= DATA_SIZE))
      throw new Error(`bad load offset ${i.k} at ${pc}`);
  });
  const last = p[p.length - 1]!.code;
  if (last !== 0x06 && last !== 0x16) throw new Error('program does not end in a return');
}

/** Runs `filter` on `data`; returns the filter's return value and how many instructions ran. */
export function runFilterSteps(filter: Buffer, data: SeccompData): { ret: number; steps: number } {
  return prepareFilter(filter)(data);
}

/** Checks and decodes `filter` once; the function returned runs it on one struct seccomp_data. */
export function prepareFilter(filter: Buffer): (data: SeccompData) => { ret: number; steps: number } {
  validate(filter);
  const p = decode(filter);
  return (data) => execute(p, data);
}

function execute(
  p: { code: number; jt: number; jf: number; k: number }[],
  data: SeccompData,
): { ret: number; steps: number } {
  // struct seccomp_data as 16 little-endian u32 words: nr, arch, instruction_pointer (0), args[6].
  const mem = new Uint32Array(DATA_SIZE / 4);
  mem[0] = data.nr >>> 0;
  mem[1] = data.arch >>> 0;
  (data.args ?? []).forEach((a, i) => {
    const v = BigInt.asUintN(64, BigInt(a));
    mem[4 + 2 * i] = Number(v & 0xffffffffn);
    mem[5 + 2 * i] = Number(v >> 32n);
  });
  const scratch = new Uint32Array(16);
  let A = 0;
  let X = 0;
  let steps = 0;
  for (let pc = 0; pc < p.length; pc++) {
    const { code, jt, jf, k } = p[pc]!;
    steps++;
    const src = code & 0x08 ? X : k; // BPF_X or BPF_K
    switch (code & 0x07) {
      case 0x00: // LD
        if (code === 0x20) A = mem[k >>> 2]!;
        else if (code === 0x80)
          A = DATA_SIZE; // LD|W|LEN
        else if (code === 0x00)
          A = k; // LD|IMM
        else if (code === 0x60)
          A = scratch[k & 15]!; // LD|MEM
        else throw new Error(`unsupported load ${code.toString(16)} at ${pc}`);
        break;
      case 0x01: // LDX
        if (code === 0x81) X = DATA_SIZE;
        else if (code === 0x01) X = k;
        else if (code === 0x61) X = scratch[k & 15]!;
        else throw new Error(`unsupported ldx ${code.toString(16)} at ${pc}`);
        break;
      case 0x02: // ST
        scratch[k & 15] = A;
        break;
      case 0x03: // STX
        scratch[k & 15] = X;
        break;
      case 0x04: // ALU
        A = alu(code & 0xf0, A, src >>> 0) >>> 0;
        break;
      case 0x05: {
        // JMP
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        const s = src >>> 0;
        const taken =
          op === 0x10
            ? A === s
            : op === 0x20
              ? A > s
              : op === 0x30
                ? A >= s
                : op === 0x40
                  ? (A & s) !== 0
                  : null;
        if (taken === null) throw new Error(`unsupported jump ${code.toString(16)} at ${pc}`);
        pc += taken ? jt : jf;
        break;
      }
      case 0x06: // RET
        return { ret: (code & 0x18) === 0x10 ? A >>> 0 : k >>> 0, steps };
      case 0x07: // MISC
        if (code === 0x07)
          X = A; // TAX
        else if (code === 0x87)
          A = X; // TXA
        else throw new Error(`unsupported misc ${code.toString(16)} at ${pc}`);
        break;
    }
  }
  throw new Error('fell off the end of the program');
}

/** Runs `filter` on `data` and returns the SECCOMP_RET_* value, as the kernel would act on it. */
export function runFilter(filter: Buffer, data: SeccompData): number {
  return runFilterSteps(filter, data).ret;
}

function alu(op: number, a: number, s: number): number {
  switch (op) {
    case 0x00:
      return a + s;
    case 0x10:
      return a - s;
    case 0x20:
      return Number((BigInt(a) * BigInt(s)) & 0xffffffffn);
    case 0x30:
      if (s === 0) throw new Error('division by zero');
      return Math.floor(a / s);
    case 0x40:
      return a | s;
    case 0x50:
      return a & s;
    case 0x60:
      return s >= 32 ? 0 : a << s;
    case 0x70:
      return s >= 32 ? 0 : a >>> s;
    case 0x80:
      return -a;
    case 0x90:
      if (s === 0) throw new Error('modulo by zero');
      return a % s;
    case 0xa0:
      return a ^ s;
    default:
      throw new Error(`unsupported alu op ${op.toString(16)}`);
  }
}
