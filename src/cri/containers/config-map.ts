// A CRI container's OCI spec. CRI's ContainerConfig is translated into the Docker Config and HostConfig
// that src/daemon/services/containers/spec.ts already turns into a spec (moby's defaults: capabilities,
// masked and read-only paths, devices, resources), then the CRI-only parts are set: the pod's namespaces
// joined through its holder (/proc/<holder>/ns/*), bind mounts with CRI propagation, the pod's
// resolv.conf/hostname/hosts, seccomp profiles by CRI's SecurityProfile, and Kubernetes' command rules.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ContainerConfig, HostConfig } from '../../../api/docker/container.js';
import { BerthError, messageOf } from '../../base/errors.js';
import { containerCapabilities } from '../../daemon/services/containers/capabilities.js';
import {
  containerSpec,
  DOCKER_MASKED_PATHS,
  DOCKER_READONLY_PATHS,
  type NamespaceChoice,
} from '../../daemon/services/containers/spec.js';
import type { ResolvedUser } from '../../daemon/services/containers/user.js';
import type { Mount, Seccomp, Spec } from '../../oci/runtime-spec.js';
import {
  defaultSeccompProfile,
  dockerProfileToOci,
  hostArch,
  type DockerProfile,
} from '../../runtime/seccomp/index.js';
import type {
  CriContainerConfig,
  CriContainerSecurity,
  CriMount,
  CriResources,
  NamespaceMode,
} from '../messages.js';

/** What the pod gives its containers. */
export interface PodFacts {
  /** The holder's pid: its /proc/<pid>/ns/* are what the pod's containers join. */
  holderPid: number;
  /** The pod's network, pid and ipc modes (NODE: the host's). */
  network: NamespaceMode;
  /** The pod's hostname (HOSTNAME in the environment). */
  hostname: string;
  /** The pod's files bound over /etc. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  /** The pod's cgroup parent (cgroupfs path). */
  cgroupParent: string;
}

/** Everything criContainerSpec needs besides the config. */
export interface CriSpecInput {
  id: string;
  config: CriContainerConfig;
  pod: PodFacts;
  /** The image config's `config` (Env, Entrypoint, Cmd, WorkingDir, User). */
  image: ContainerConfig;
  rootfs: string;
  /** Resolves a user spec ("1000:1000", "name") in the rootfs, with extra group ids. */
  resolveUser(spec: string, groupAdd: string[]): ResolvedUser;
  /** The pid of the container a TARGET pid namespace names. */
  targetPid?(id: string): number;
}

const PROPAGATION: Record<NonNullable<CriMount['propagation']>, string> = {
  PROPAGATION_PRIVATE: 'rprivate',
  PROPAGATION_HOST_TO_CONTAINER: 'rslave',
  PROPAGATION_BIDIRECTIONAL: 'rshared',
};

/** int64 decimal string (or number) → number; 0 when absent. */
function int(v: string | number | undefined | null): number {
  return v === undefined || v === null || v === '' ? 0 : Number(v);
}

/** CRI mounts as OCI bind mounts (selinux_relabel is ignored: no SELinux here). */
export function criMounts(mounts: CriMount[]): Mount[] {
  return mounts.map((m, i) => {
    const field = `config.mounts[${i}]`;
    if (m.image?.image)
      throw new BerthError('InvalidArgument', `${field}.image: image volumes are not supported`);
    if (!m.container_path || !isAbsolute(m.container_path))
      throw new BerthError(
        'InvalidArgument',
        `${field}.container_path "${m.container_path}": must be an absolute path`,
      );
    if (!m.host_path || !isAbsolute(m.host_path))
      throw new BerthError(
        'InvalidArgument',
        `${field}.host_path "${m.host_path}": must be an absolute path`,
      );
    if (!existsSync(m.host_path))
      throw new BerthError('InvalidArgument', `${field}.host_path "${m.host_path}": does not exist`);
    const options = ['rbind', PROPAGATION[m.propagation ?? 'PROPAGATION_PRIVATE'] ?? 'rprivate'];
    if (m.readonly) options.push('ro');
    return { destination: m.container_path, type: 'bind', source: m.host_path, options };
  });
}

/** The seccomp profile of a CRI SecurityProfile; an unset profile is unconfined, as with containerd. */
export function criSeccomp(sec: CriContainerSecurity, caps: string[]): Seccomp | undefined {
  if (sec.privileged) return undefined;
  const p = sec.seccomp;
  if (!p) return undefined;
  if (p.profile_type === 'Unconfined') return undefined;
  if (p.profile_type === 'Localhost') {
    const path = p.localhost_ref ?? '';
    if (!isAbsolute(path))
      throw new BerthError(
        'InvalidArgument',
        `security_context.seccomp.localhost_ref "${path}": must be an absolute path`,
      );
    let profile: DockerProfile;
    try {
      profile = JSON.parse(readFileSync(path, 'utf8')) as DockerProfile;
    } catch (err) {
      throw new BerthError(
        'InvalidArgument',
        `security_context.seccomp.localhost_ref "${path}": ${messageOf(err)}`,
      );
    }
    try {
      return dockerProfileToOci(profile, { caps, arch: hostArch() });
    } catch (err) {
      throw new BerthError(
        'InvalidArgument',
        `security_context.seccomp.localhost_ref "${path}": ${messageOf(err)}`,
      );
    }
  }
  return defaultSeccompProfile(caps);
}

/** Kubernetes' rule: command replaces the entrypoint, args the cmd; a command alone drops the image's cmd. */
export function criArgs(config: CriContainerConfig, image: ContainerConfig): string[] {
  const command = config.command ?? [];
  const args = config.args ?? [];
  const entrypoint = command.length ? command : (image.Entrypoint ?? []);
  const cmd = args.length ? args : command.length ? [] : (image.Cmd ?? []);
  const all = [...entrypoint, ...cmd];
  if (!all.length)
    throw new BerthError('InvalidArgument', 'config.command: none given and the image has none');
  return all;
}

/** CRI's LinuxContainerResources as the Docker HostConfig resources the spec builder takes. */
export function criResources(r: CriResources | null | undefined): Partial<HostConfig> {
  if (!r) return {};
  const memory = int(r.memory_limit_in_bytes);
  const swap = int(r.memory_swap_limit_in_bytes);
  return {
    ...(int(r.cpu_shares) ? { CpuShares: int(r.cpu_shares) } : {}),
    ...(int(r.cpu_period) ? { CpuPeriod: int(r.cpu_period) } : {}),
    ...(int(r.cpu_quota) ? { CpuQuota: int(r.cpu_quota) } : {}),
    // Kubernetes gives no swap unless asked: swap limit = memory limit (docker would double it).
    ...(memory ? { Memory: memory, MemorySwap: swap || memory } : {}),
    ...(r.cpuset_cpus ? { CpusetCpus: r.cpuset_cpus } : {}),
    ...(r.cpuset_mems ? { CpusetMems: r.cpuset_mems } : {}),
  };
}

/** The user spec from run_as_username, or run_as_user[:run_as_group]; the image's user otherwise. */
function userSpec(sec: CriContainerSecurity, image: ContainerConfig): string {
  if (sec.run_as_username) {
    if (sec.run_as_group) return `${sec.run_as_username}:${sec.run_as_group.value}`;
    return sec.run_as_username;
  }
  if (sec.run_as_user)
    return sec.run_as_group ? `${sec.run_as_user.value}:${sec.run_as_group.value}` : sec.run_as_user.value;
  if (sec.run_as_group)
    throw new BerthError(
      'InvalidArgument',
      'security_context.run_as_group: needs run_as_user or run_as_username',
    );
  return image.User ?? '';
}

function nsChoice(
  pod: PodFacts,
  mode: NamespaceMode | undefined,
  ns: string,
  podShares: boolean,
): NamespaceChoice {
  if (mode === 'NODE') return 'host';
  if (mode === 'CONTAINER') return 'private';
  return podShares ? { path: `/proc/${pod.holderPid}/ns/${ns}` } : 'host';
}

/** The OCI spec of a CRI container. */
export function criContainerSpec(input: CriSpecInput): Spec {
  const { config, pod } = input;
  const sec: CriContainerSecurity = config.linux?.security_context ?? {};
  const nsOpts = sec.namespace_options ?? {};
  const privileged = sec.privileged === true;
  const caps = containerCapabilities(
    sec.capabilities?.add_capabilities ?? [],
    sec.capabilities?.drop_capabilities ?? [],
    privileged,
  );
  const env = (config.envs ?? []).map(
    (kv) => `${kv.key}=${Buffer.isBuffer(kv.value) ? kv.value.toString('utf8') : kv.value}`,
  );
  const dockerConfig: ContainerConfig = {
    Hostname: pod.hostname,
    Env: [...(input.image.Env ?? []), ...env],
    Tty: config.tty === true,
    OpenStdin: config.stdin === true,
    WorkingDir: config.working_dir || input.image.WorkingDir || '/',
    Entrypoint: criArgs(config, input.image),
    Cmd: [],
  };
  const host: HostConfig = {
    Privileged: privileged,
    ReadonlyRootfs: sec.readonly_rootfs === true,
    SecurityOpt: sec.no_new_privs ? ['no-new-privileges'] : [],
    MaskedPaths: sec.masked_paths?.length ? sec.masked_paths : DOCKER_MASKED_PATHS,
    ReadonlyPaths: sec.readonly_paths?.length ? sec.readonly_paths : DOCKER_READONLY_PATHS,
    CapAdd: sec.capabilities?.add_capabilities ?? [],
    CapDrop: sec.capabilities?.drop_capabilities ?? [],
    Devices: (config.devices ?? []).map((d) => ({
      PathOnHost: d.host_path,
      PathInContainer: d.container_path || d.host_path,
      CgroupPermissions: d.permissions || 'rwm',
    })),
    ...criResources(config.linux?.resources),
  };
  const user = input.resolveUser(userSpec(sec, input.image), (sec.supplemental_groups ?? []).map(String));
  const hostNetwork = pod.network === 'NODE';
  let pid = nsChoice(pod, nsOpts.pid, 'pid', true);
  if (nsOpts.pid === 'TARGET') {
    if (!nsOpts.target_id || !input.targetPid)
      throw new BerthError(
        'InvalidArgument',
        'security_context.namespace_options.target_id: must name a container',
      );
    pid = { path: `/proc/${input.targetPid(nsOpts.target_id)}/ns/pid` };
  }
  const spec = containerSpec({
    id: input.id,
    config: dockerConfig,
    host,
    rootfs: input.rootfs,
    user,
    etcFiles: pod.etcFiles,
    namespaces: {
      network: hostNetwork ? 'host' : { path: `/proc/${pod.holderPid}/ns/net` },
      uts: hostNetwork ? 'host' : { path: `/proc/${pod.holderPid}/ns/uts` },
      ipc: nsChoice(pod, nsOpts.ipc, 'ipc', true),
      pid,
      // cgroup v1 hosts: the host's cgroup namespace, as containerd gives on v1.
      cgroup: 'host',
    },
    mounts: criMounts(config.mounts ?? []),
    seccomp: criSeccomp(sec, caps),
    cgroupsPath: `${pod.cgroupParent}/${input.id}`,
  });
  // The hostname belongs to the pod's uts namespace, which the holder set; a joined one cannot be set again.
  delete spec.hostname;
  spec.annotations = { ...(config.annotations ?? {}), 'io.kubernetes.cri.container-type': 'container' };
  return spec;
}
