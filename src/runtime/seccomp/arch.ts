// The architectures a seccomp filter can tell apart, and the syscall tables behind them.
//
// The kernel hands a filter `struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }`
// (include/uapi/linux/seccomp.h). `arch` is an AUDIT_ARCH_* value (include/uapi/linux/audit.h): the ELF machine
// number plus __AUDIT_ARCH_64BIT (0x80000000) and __AUDIT_ARCH_LE (0x40000000). x32 shares AUDIT_ARCH_X86_64 with
// x86_64 and is told apart only by __X32_SYSCALL_BIT in `nr` (arch/x86/include/asm/syscall.h).
import { BerthError } from '../../base/errors.js';
import { SECCOMP_ARCHES } from '../../oci/seccomp.js';
import { SYSCALLS_AARCH64 } from './syscalls-aarch64.js';
import { SYSCALLS_I386 } from './syscalls-i386.js';
import { SYSCALLS_X32 } from './syscalls-x32.js';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.js';

/** AUDIT_ARCH_* values as seccomp_data.arch carries them. */
export const AUDIT_ARCH = {
  X86_64: 0xc000003e,
  I386: 0x40000003,
  AARCH64: 0xc00000b7,
  ARM: 0x40000028,
} as const;

/** Bit 30 of seccomp_data.nr marks an x32 syscall on AUDIT_ARCH_X86_64 (arch/x86/include/uapi/asm/unistd.h). */
export const X32_SYSCALL_BIT = 0x40000000;

/** One ABI as libseccomp sees it: its audit token, argument width and syscall table (absent: none yet). */
export interface ArchDef {
  name: string;
  token: number;
  /** libseccomp's ARCH_SIZE_32 ABIs (x86, x32, arm) compare only the low 32 bits of arguments. */
  bits: 32 | 64;
  table?: ReadonlyMap<string, number>;
}

/** The SCMP_ARCH_* names Berth compiles, keyed by their OCI spelling. */
export const ARCHES: ReadonlyMap<string, ArchDef> = new Map<string, ArchDef>([
  [
    'SCMP_ARCH_X86_64',
    { name: 'SCMP_ARCH_X86_64', token: AUDIT_ARCH.X86_64, bits: 64, table: SYSCALLS_X86_64 },
  ],
  ['SCMP_ARCH_X86', { name: 'SCMP_ARCH_X86', token: AUDIT_ARCH.I386, bits: 32, table: SYSCALLS_I386 }],
  ['SCMP_ARCH_X32', { name: 'SCMP_ARCH_X32', token: AUDIT_ARCH.X86_64, bits: 32, table: SYSCALLS_X32 }],
  [
    'SCMP_ARCH_AARCH64',
    { name: 'SCMP_ARCH_AARCH64', token: AUDIT_ARCH.AARCH64, bits: 64, table: SYSCALLS_AARCH64 },
  ],
  // No AArch32 table is installed on an x86_64 build host, so ARM has no section: an arm32 process under an
  // aarch64 filter meets the bad-arch action. That is stricter than libseccomp, never looser.
  ['SCMP_ARCH_ARM', { name: 'SCMP_ARCH_ARM', token: AUDIT_ARCH.ARM, bits: 32 }],
]);

/**
 * The other names runtime-spec lists (config-linux.md "Seccomp"). They are accepted and left out of the filter:
 * an x86_64 or aarch64 kernel never reports those audit arches, so a section for them could not match.
 */
export const FOREIGN_ARCHES: ReadonlySet<string> = new Set(SECCOMP_ARCHES.filter((a) => !ARCHES.has(a)));

/** The architecture a filter is built for: it always gets a section, as libseccomp's seccomp_init() does. */
export type NativeArch = 'x86_64' | 'aarch64';

/** The architecture Node runs on, which is the container's. */
export function hostArch(): NativeArch {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'aarch64';
  throw new BerthError('FailedPrecondition', `seccomp: unsupported host architecture "${process.arch}"`);
}

/** The SCMP_ARCH_* name of a native architecture. */
export function nativeArchName(native: NativeArch): string {
  return native === 'x86_64' ? 'SCMP_ARCH_X86_64' : 'SCMP_ARCH_AARCH64';
}

// i386 multiplexes the socket and SysV IPC calls through socketcall(2) and ipc(2), selected by arg0 (SYS_* in
// include/uapi/linux/net.h, SEMOP.. in include/uapi/linux/ipc.h). The direct syscalls only exist since Linux 4.3
// and older libcs still use the multiplexers, so libseccomp's x86 backend (arch-x86.c) turns a rule on `socket`
// into one on the direct syscall plus one on socketcall with arg0 == SYS_SOCKET; we do the same.
const SOCKETCALL: ReadonlyMap<string, number> = new Map([
  ['socket', 1],
  ['bind', 2],
  ['connect', 3],
  ['listen', 4],
  ['accept', 5],
  ['getsockname', 6],
  ['getpeername', 7],
  ['socketpair', 8],
  ['send', 9],
  ['recv', 10],
  ['sendto', 11],
  ['recvfrom', 12],
  ['shutdown', 13],
  ['setsockopt', 14],
  ['getsockopt', 15],
  ['sendmsg', 16],
  ['recvmsg', 17],
  ['accept4', 18],
  ['recvmmsg', 19],
  ['sendmmsg', 20],
]);
const IPC: ReadonlyMap<string, number> = new Map([
  ['semop', 1],
  ['semget', 2],
  ['semctl', 3],
  ['semtimedop', 4],
  ['msgsnd', 11],
  ['msgrcv', 12],
  ['msgget', 13],
  ['msgctl', 14],
  ['shmat', 21],
  ['shmdt', 22],
  ['shmget', 23],
  ['shmctl', 24],
]);

/** On i386, the multiplexer syscall number and arg0 selector that also reach `name`; undefined elsewhere. */
export function multiplexed(arch: ArchDef, name: string): { nr: number; call: number } | undefined {
  if (arch.token !== AUDIT_ARCH.I386 || !arch.table) return undefined;
  const s = SOCKETCALL.get(name);
  if (s !== undefined) return { nr: arch.table.get('socketcall')!, call: s };
  const i = IPC.get(name);
  if (i !== undefined) return { nr: arch.table.get('ipc')!, call: i };
  return undefined;
}
