// Regenerates src/runtime/seccomp/syscalls-*.ts (syscall name -> number) from the kernel UAPI headers installed
// on this machine (linux-libc-dev). The C preprocessor reads the headers exactly as userland does, so every
// #ifdef and __NR3264_ alias resolves the way a program compiled for that ABI would see it.
//
// Run from the repo root after `npx tsc -p tsconfig.json`: `node build/scripts/gen-syscalls.js`; commit the output.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Table {
  file: string;
  constName: string;
  doc: string;
  source: string;
  /** cpp flags selecting the ABI, as a compiler for that ABI would predefine or the arch header would set. */
  flags: string[];
}

// arm64's own <asm/unistd.h> sets these before including asm-generic/unistd.h (arch/arm64/include/uapi/asm/
// unistd.h in 6.1); without them renameat, newfstatat/fstat, getrlimit/setrlimit, clone3 and memfd_secret vanish.
const ARM64_WANTS = [
  '__ARCH_WANT_RENAMEAT',
  '__ARCH_WANT_NEW_STAT',
  '__ARCH_WANT_SET_GET_RLIMIT',
  '__ARCH_WANT_TIME32_SYSCALLS',
  '__ARCH_WANT_SYS_CLONE3',
  '__ARCH_WANT_MEMFD_SECRET',
];

const TABLES: Table[] = [
  {
    file: 'syscalls-x86_64.ts',
    constName: 'SYSCALLS_X86_64',
    doc: 'x86_64 syscall numbers by name (seccomp_data.arch AUDIT_ARCH_X86_64).',
    source: '<asm/unistd.h> (asm/unistd_64.h)',
    flags: ['-include', 'asm/unistd.h'],
  },
  {
    file: 'syscalls-x32.ts',
    constName: 'SYSCALLS_X32',
    doc: 'x32 syscall numbers by name, __X32_SYSCALL_BIT (0x40000000) included, as seccomp_data.nr carries them.',
    source: '<asm/unistd.h> with __ILP32__ (asm/unistd_x32.h)',
    flags: ['-D__ILP32__', '-include', 'asm/unistd.h'],
  },
  {
    file: 'syscalls-i386.ts',
    constName: 'SYSCALLS_I386',
    doc: 'i386 syscall numbers by name (seccomp_data.arch AUDIT_ARCH_I386).',
    source: '<asm/unistd.h> with __i386__ (asm/unistd_32.h)',
    flags: ['-D__i386__', '-include', 'asm/unistd.h'],
  },
  {
    file: 'syscalls-aarch64.ts',
    constName: 'SYSCALLS_AARCH64',
    doc: 'aarch64 syscall numbers by name (seccomp_data.arch AUDIT_ARCH_AARCH64): the asm-generic table.',
    source: `<asm-generic/unistd.h> with ${ARM64_WANTS.join(' ')}`,
    flags: [...ARM64_WANTS.map((w) => `-D${w}`), '-include', 'asm-generic/unistd.h'],
  },
];

const X32_BIT = 0x40000000;

type Abi = 'x86_64' | 'x32' | 'i386' | 'aarch64';
const ABI_OF: Record<string, Abi> = {
  'syscalls-x86_64.ts': 'x86_64',
  'syscalls-x32.ts': 'x32',
  'syscalls-i386.ts': 'i386',
  'syscalls-aarch64.ts': 'aarch64',
};

// Syscalls newer than the installed headers (linux-libc-dev 6.1 on Debian 12) that Docker's profile names, so that
// Berth knows them as a current libseccomp does. Numbers from the kernel's tables: arch/x86/entry/syscalls/
// syscall_64.tbl ("common" entries are x86_64 and x32, "64" only x86_64), syscall_32.tbl, and
// include/uapi/asm-generic/unistd.h (aarch64), Linux 6.5 (cachestat) to 6.17 (file_setattr). Since 5.1 a new
// syscall gets the same number on every architecture. Headers that already define a name must agree.
const ALL: Abi[] = ['x86_64', 'x32', 'i386', 'aarch64'];
const NEWER: [string, number, Abi[]][] = [
  ['uretprobe', 335, ['x86_64']],
  ['cachestat', 451, ALL],
  ['fchmodat2', 452, ALL],
  ['map_shadow_stack', 453, ['x86_64', 'aarch64']],
  ['futex_wake', 454, ALL],
  ['futex_wait', 455, ALL],
  ['futex_requeue', 456, ALL],
  ['statmount', 457, ALL],
  ['listmount', 458, ALL],
  ['lsm_get_self_attr', 459, ALL],
  ['lsm_set_self_attr', 460, ALL],
  ['lsm_list_modules', 461, ALL],
  ['mseal', 462, ALL],
  ['setxattrat', 463, ALL],
  ['getxattrat', 464, ALL],
  ['listxattrat', 465, ALL],
  ['removexattrat', 466, ALL],
  ['open_tree_attr', 467, ALL],
  ['file_getattr', 468, ALL],
  ['file_setattr', 469, ALL],
];

/** Adds the NEWER syscalls of `abi` that `entries` lacks; refuses a header that numbers one differently. */
function addNewer(abi: Abi, entries: [string, number][]): number {
  const have = new Map(entries);
  let added = 0;
  for (const [name, nr, abis] of NEWER) {
    if (!abis.includes(abi)) continue;
    const want = abi === 'x32' ? X32_BIT + nr : nr;
    const got = have.get(name);
    if (got !== undefined && got !== want)
      throw new Error(`${abi}: headers number ${name} ${got}, not ${want}`);
    if (got !== undefined) continue;
    if ([...have.values()].includes(want))
      throw new Error(`${abi}: ${want} (${name}) is taken in the headers`);
    entries.push([name, want]);
    added++;
  }
  return added;
}

// Macros named __NR_* that are not syscalls.
const NOT_SYSCALLS = new Set(['__NR_syscalls', '__NR_arch_specific_syscall']);

/** Every macro cpp knows after the flags, as name -> replacement text. */
function macros(flags: string[]): Map<string, string> {
  const out = execFileSync('cpp', ['-dM', '-P', ...flags, '-'], { input: '', encoding: 'utf8' });
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const hit = /^#define (\w+) (.*)$/.exec(line);
    if (hit) m.set(hit[1]!, hit[2]!.trim());
  }
  return m;
}

/** Evaluates a syscall number expression: integers, macro names, `+` and parentheses, nothing else. */
function evaluate(text: string, defs: Map<string, string>, depth = 0): number {
  if (depth > 10) throw new Error(`macro loop at "${text}"`);
  let sum = 0;
  for (const term of text.replace(/[()]/g, ' ').split('+')) {
    const t = term.trim();
    if (/^(0x[0-9a-f]+|\d+)[ul]*$/i.test(t)) sum += Number(t.replace(/[ul]+$/i, ''));
    else if (defs.has(t)) sum += evaluate(defs.get(t)!, defs, depth + 1);
    else throw new Error(`cannot evaluate "${text}" (unknown term "${t}")`);
  }
  return sum;
}

function libcDevVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'linux-libc-dev'], { encoding: 'utf8' }).trim();
  } catch {
    const v = /LINUX_VERSION_CODE (\d+)/.exec(readFileSync('/usr/include/linux/version.h', 'utf8'));
    const code = Number(v?.[1] ?? 0);
    return `${code >> 16}.${(code >> 8) & 0xff}.${code & 0xff}`;
  }
}

function render(t: Table, entries: [string, number][], version: string, added: number): string {
  // x32 numbers are written as the bit plus the table index, as unistd_x32.h writes them.
  const num = (nr: number): string => (nr >= X32_BIT ? `0x40000000 + ${nr - X32_BIT}` : `${nr}`);
  const lines = entries.map(([name, nr]) => `  ['${name}', ${num(nr)}],`);
  return [
    `// Generated by scripts/gen-syscalls.ts from ${t.source}, linux-libc-dev ${version}, and ${added} newer`,
    '// syscalls listed in the script. Do not edit.',
    '',
    `/** ${t.doc} */`,
    `export const ${t.constName}: ReadonlyMap<string, number> = new Map<string, number>([`,
    ...lines,
    ']);',
    '',
  ].join('\n');
}

const outDir = join(process.cwd(), 'src', 'runtime', 'seccomp');
const version = libcDevVersion();
for (const t of TABLES) {
  const defs = macros(t.flags);
  const entries: [string, number][] = [];
  for (const name of defs.keys()) {
    if (!name.startsWith('__NR_') || NOT_SYSCALLS.has(name)) continue;
    entries.push([name.slice('__NR_'.length), evaluate(defs.get(name)!, defs)]);
  }
  if (entries.length < 200)
    throw new Error(`${t.file}: only ${entries.length} syscalls found; wrong headers?`);
  const added = addNewer(ABI_OF[t.file]!, entries);
  entries.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  writeFileSync(join(outDir, t.file), render(t, entries, version, added));
  process.stdout.write(`${t.file}: ${entries.length} syscalls\n`);
}
