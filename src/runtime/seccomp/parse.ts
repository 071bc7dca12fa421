// Turns a checked `linux.seccomp` (src/oci/seccomp.ts) into what the code generator needs: the ABIs to give
// sections, with their syscall tables, besides the return values and rules.
import { checkSeccomp, type Condition, type Rule } from '../../oci/seccomp.js';
import { ARCHES, nativeArchName, type ArchDef, type NativeArch } from './arch.js';

export type { Condition, Rule };

/** A checked `linux.seccomp` with its architectures resolved. */
export interface ParsedSeccomp {
  defaultRet: number;
  /** The ABIs to give sections, native first, each once; arches with no table are dropped (see arch.ts). */
  arches: ArchDef[];
  rules: Rule[];
  flags: number;
}

/** Checks `seccomp` and resolves its architectures; throws InvalidArgument naming the offending field. */
export function parseSeccomp(seccomp: unknown, native: NativeArch): ParsedSeccomp {
  const checked = checkSeccomp(seccomp);
  // libseccomp's filter context starts with the native arch (seccomp_init); runc then adds the listed ones.
  const arches: ArchDef[] = [];
  for (const name of [nativeArchName(native), ...checked.architectures]) {
    const def = ARCHES.get(name);
    if (def?.table && !arches.includes(def)) arches.push(def);
  }
  return { defaultRet: checked.defaultRet, arches, rules: checked.rules, flags: checked.flags };
}
