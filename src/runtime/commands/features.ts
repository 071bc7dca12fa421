// `features`: what this runtime implements, in the runtime-spec features format (features.md).
import { CAPABILITIES, MOUNT_OPTIONS, NAMESPACE_FLAGS } from '../../oci/linux.js';
import { OCI_VERSION } from '../../oci/runtime-spec.js';
import {
  FILTER_FLAGS,
  OPERATORS,
  SECCOMP_ARCHES,
  SUPPORTED_ACTIONS,
  SUPPORTED_FLAGS,
} from '../../oci/seccomp.js';
import type { RuntimeContext } from '../context.js';
import { parseArgs } from '../cli-args.js';
import { VERSION } from '../version.js';
import { writeOut } from '../../base/stdio.js';

/** The features document; only what really works is listed. */
export function features(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: [],
    mountOptions: Object.keys(MOUNT_OPTIONS).sort(),
    linux: {
      namespaces: Object.keys(NAMESPACE_FLAGS)
        .filter((n) => n !== 'time')
        .sort(),
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      // features-linux.md "Seccomp": the names config.json may use. NOTIFY and WAIT_KILLABLE_RECV are
      // recognised but refused (no seccomp agent hand-off), so they are known, not listed as supported.
      seccomp: {
        enabled: true,
        actions: [...SUPPORTED_ACTIONS].sort(),
        operators: [...OPERATORS.keys()].sort(),
        archs: [...SECCOMP_ARCHES].sort(),
        knownFlags: [...FILTER_FLAGS.keys()],
        supportedFlags: [...SUPPORTED_FLAGS],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
    },
    annotations: { 'io.github.berth.version': VERSION },
  };
}

/** Runs `features`. */
export async function featuresCommand(_ctx: RuntimeContext, argv: string[]): Promise<number> {
  parseArgs(argv, []);
  writeOut(JSON.stringify(features(), null, 4) + '\n');
  return 0;
}
