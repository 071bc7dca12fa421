// Compiled seccomp programs, kept: compiling Docker's default profile costs about 11 ms of CPU in a
// fresh process, and an engine hands the same profile to every container it creates. The key is the
// profile's JSON, the architecture and Berth's version (the compiler's output may change between
// versions); the value is the program, in memory for this process and, given a directory, in
// `<dir>/seccomp-<sha256 of the key>.bpf` (u32 flags, little endian, then struct sock_filter[]).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync } from '../../base/atomic-write.js';
import type { Seccomp } from '../../oci/runtime-spec.js';
import { VERSION } from '../version.js';
import { compileSeccomp, type CompiledSeccomp } from './compile.js';

const memory = new Map<string, CompiledSeccomp>();

/** compileSeccomp, remembered in this process and, with `dir`, on disk for the next runtime process. */
export function compileSeccompCached(seccomp: Seccomp, dir?: string): CompiledSeccomp {
  const key = createHash('sha256')
    .update(`${VERSION}\0${process.arch}\0${JSON.stringify(seccomp)}`)
    .digest('hex');
  const known = memory.get(key);
  if (known) return known;
  const file = dir ? join(dir, `seccomp-${key}.bpf`) : undefined;
  let compiled: CompiledSeccomp | undefined;
  if (file) {
    try {
      const bytes = readFileSync(file);
      // A file cut short by a crash is not a program: compile again and replace it.
      if (bytes.length >= 12 && (bytes.length - 4) % 8 === 0)
        compiled = { flags: bytes.readUInt32LE(0), filter: bytes.subarray(4) };
    } catch {
      // not cached yet
    }
  }
  if (!compiled) {
    compiled = compileSeccomp(seccomp);
    if (file) {
      const head = Buffer.alloc(4);
      head.writeUInt32LE(compiled.flags >>> 0, 0);
      try {
        atomicWriteFileSync(file, Buffer.concat([head, compiled.filter]), 0o600, false);
      } catch {
        // a cache that cannot be written only costs the next process a compile
      }
    }
  }
  memory.set(key, compiled);
  return compiled;
}
