// Turns a config.json mount's options into mount(2) flags, propagation and filesystem data.
import { MOUNT_OPTIONS, MS } from '../../oci/linux.js';

/** A mount's options, split the way mount(2) takes them. */
export interface ParsedOptions {
  flags: bigint;
  propagation: bigint;
  data: string[];
  bind: boolean;
  recursive: boolean;
}

/** Splits option strings into flags, propagation and data (`mode=755`), like runc's parseMountOptions. */
export function parseMountOptions(options: readonly string[]): ParsedOptions {
  let flags = 0n;
  let propagation = 0n;
  const data: string[] = [];
  for (const opt of options) {
    const known = MOUNT_OPTIONS[opt];
    if (!known) {
      data.push(opt);
      continue;
    }
    if (known.propagation !== undefined) propagation = known.propagation;
    else if (known.flag !== undefined) flags = known.clear ? flags & ~known.flag : flags | known.flag;
  }
  return {
    flags,
    propagation,
    data,
    bind: (flags & MS.BIND) !== 0n,
    recursive: (flags & MS.REC) !== 0n,
  };
}
