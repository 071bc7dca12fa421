// Compiles an emulated devices cgroup state (device-emulator.ts) into a BPF_PROG_TYPE_CGROUP_DEVICE
// program, the cgroup v2 replacement of devices.allow/deny (Documentation/admin-guide/cgroup-v2.rst
// "Device controller"), in the shape runc's devicefilter and crun's ebpf.c give it.
//
// The kernel calls the program with a struct bpf_cgroup_dev_ctx (uapi/linux/bpf.h) in r1:
//   u32 access_type   low 16 bits: BPF_DEVCG_DEV_BLOCK 1 / BPF_DEVCG_DEV_CHAR 2; high 16: ACC bits
//   u32 major         offset 4
//   u32 minor         offset 8
// and allows the access when it returns 1. The program loads the four values into r2..r5, tests one
// block per exception (first match decides), and falls through to the default verdict:
//
//   r2 = type; r3 = access; r4 = major; r5 = minor
//   block i:  if w2 != TYPE goto next          (32-bit compares: BPF_JMP32, Linux 5.1)
//             w1 = w3; w1 &= ACCESS            (omitted when the exception has every access)
//             if w1 != w3 goto next            (allow list: the request must be wholly covered)
//             if w1 == 0 goto next             (deny list: any overlap denies, as v1 does)
//             if w4 != MAJOR goto next         (omitted for a wildcard)
//             if w5 != MINOR goto next         (omitted for a wildcard)
//             r0 = !default; exit
//   r0 = default; exit
//
// Each instruction is struct bpf_insn: u8 code, u8 dst:4 src:4, s16 off, s32 imm (little endian).
import type { DeviceState } from './device-emulator.js';

/** One eBPF instruction. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

// Opcodes (uapi/linux/bpf_common.h, bpf.h): class | op | source.
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
const ALU32_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const ALU32_MOV_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
const ALU32_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const JMP32_JNE_K = 0x56; // BPF_JMP32 | BPF_JNE | BPF_K
const JMP32_JNE_X = 0x5e; // BPF_JMP32 | BPF_JNE | BPF_X
const JMP32_JEQ_K = 0x16; // BPF_JMP32 | BPF_JEQ | BPF_K
const JMP_EXIT = 0x95; // BPF_JMP | BPF_EXIT

/** BPF_DEVCG_DEV_BLOCK and BPF_DEVCG_DEV_CHAR. */
const DEV_TYPE = { b: 1, c: 2 } as const;
const ALL_ACCESS = 7;

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({
  code,
  dst,
  src,
  off,
  imm: imm | 0, // u32 values travel as s32; JMP32 compares the same 32 bits
});

/** The program's instructions for `state`. */
export function deviceProgram(state: DeviceState): Insn[] {
  const out: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0),
    insn(ALU32_AND_K, 2, 0, 0, 0xffff),
    insn(LDX_MEM_W, 3, 1, 0, 0),
    insn(ALU32_RSH_K, 3, 0, 0, 16),
    insn(LDX_MEM_W, 4, 1, 4, 0),
    insn(LDX_MEM_W, 5, 1, 8, 0),
  ];
  const verdict = state.defaultAllow ? 0 : 1;
  for (const ex of state.exceptions) {
    // Jumps are written with a placeholder and aimed at the block's end once its length is known.
    const block: (Insn & { toNext?: true })[] = [];
    const skip = (code: number, dst: number, src: number, imm: number): void => {
      block.push({ ...insn(code, dst, src, 0, imm), toNext: true });
    };
    skip(JMP32_JNE_K, 2, 0, DEV_TYPE[ex.type]);
    if (ex.access !== ALL_ACCESS) {
      block.push(insn(ALU32_MOV_X, 1, 3, 0, 0));
      block.push(insn(ALU32_AND_K, 1, 0, 0, ex.access));
      if (state.defaultAllow) skip(JMP32_JEQ_K, 1, 0, 0);
      else skip(JMP32_JNE_X, 1, 3, 0);
    }
    if (ex.major >= 0) skip(JMP32_JNE_K, 4, 0, ex.major);
    if (ex.minor >= 0) skip(JMP32_JNE_K, 5, 0, ex.minor);
    block.push(insn(ALU32_MOV_K, 0, 0, 0, verdict));
    block.push(insn(JMP_EXIT, 0, 0, 0, 0));
    block.forEach((ins, i) => {
      const { toNext, ...plain } = ins;
      out.push(toNext ? { ...plain, off: block.length - i - 1 } : plain);
    });
  }
  out.push(insn(ALU32_MOV_K, 0, 0, 0, state.defaultAllow ? 1 : 0));
  out.push(insn(JMP_EXIT, 0, 0, 0, 0));
  return out;
}

/** The instructions as the bytes BPF_PROG_LOAD takes. */
export function encodeProgram(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((ins, i) => {
    buf.writeUInt8(ins.code, i * 8);
    buf.writeUInt8((ins.dst & 0xf) | ((ins.src & 0xf) << 4), i * 8 + 1);
    buf.writeInt16LE(ins.off, i * 8 + 2);
    buf.writeInt32LE(ins.imm, i * 8 + 4);
  });
  return buf;
}
