// A container's seccomp choice from HostConfig.SecurityOpt (dockerd's daemon/seccomp_linux.go): none for
// `seccomp=unconfined` or a privileged container, the profile the client sent by value
// (`seccomp=<json>`, as the docker CLI sends a --security-opt seccomp=FILE), else Docker's default
// profile for the container's capabilities.
import type { HostConfig } from '../../../../api/docker/container.js';
import { BerthError, messageOf } from '../../../base/errors.js';
import type { Seccomp } from '../../../oci/runtime-spec.js';
import {
  defaultSeccompProfile,
  dockerProfileToOci,
  hostArch,
  type DockerProfile,
} from '../../../runtime/seccomp/index.js';
import { containerCapabilities } from './capabilities.js';

/** The container's capabilities and seccomp profile (undefined: unconfined). */
export interface ContainerSecurity {
  capabilities: string[];
  seccomp: Seccomp | undefined;
}

/** The seccomp entry of SecurityOpt, if any (`seccomp=x` or the old `seccomp:x`). */
function seccompOption(opts: readonly string[]): string | undefined {
  let value: string | undefined;
  for (const opt of opts) {
    const m = /^seccomp[=:](.*)$/s.exec(opt);
    if (m) value = m[1];
  }
  return value;
}

/** Resolves the capabilities and the seccomp profile of a HostConfig. */
export function containerSecurity(host: HostConfig): ContainerSecurity {
  const capabilities = containerCapabilities(host.CapAdd ?? [], host.CapDrop ?? [], host.Privileged === true);
  const opt = seccompOption(host.SecurityOpt ?? []);
  if (host.Privileged || opt === 'unconfined') return { capabilities, seccomp: undefined };
  if (opt === undefined || opt === '' || opt === 'builtin')
    return { capabilities, seccomp: defaultSeccompProfile(capabilities) };
  let profile: DockerProfile;
  try {
    profile = JSON.parse(opt) as DockerProfile;
  } catch (err) {
    throw new BerthError('InvalidArgument', `Decoding seccomp profile failed: ${messageOf(err)}`);
  }
  try {
    return { capabilities, seccomp: dockerProfileToOci(profile, { caps: capabilities, arch: hostArch() }) };
  } catch (err) {
    throw new BerthError('InvalidArgument', `seccomp profile: ${messageOf(err)}`);
  }
}
