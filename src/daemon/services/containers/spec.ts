// A docker container's OCI spec, as dockerd makes it (moby's oci.DefaultLinuxSpec and
// daemon/oci_linux.go): Docker's default mounts, capabilities, masked and read-only paths and device
// rules, then everything the container's Config and HostConfig ask for. Pure: what it needs from the
// host (the user's passwd entry, namespace paths, volume sources, the seccomp profile) comes in resolved.
import type { ContainerConfig, HostConfig } from '../../../../api/docker/container.js';
import { BerthError } from '../../../base/errors.js';
import type { Mount, Namespace, Seccomp, Spec } from '../../../oci/runtime-spec.js';
import { OCI_VERSION } from '../../../oci/runtime-spec.js';
import { containerCapabilities } from './capabilities.js';
import { sortMounts } from './mounts.js';
import { containerDevices, containerResources, containerRlimits } from './resources.js';
import type { ResolvedUser } from './user.js';

/** The PATH a container gets when its image sets none (moby's system.DefaultPathEnv). */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** moby's default masked paths. */
export const DOCKER_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** moby's default read-only paths. */
export const DOCKER_READONLY_PATHS = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** The system mounts every docker container has, /dev/shm sized by ShmSize (64 MiB by default). */
function systemMounts(shmSize: number, privileged: boolean): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`],
    },
  ];
}

/** How a namespace of the container is set up: its own, the host's (absent), or joined by path. */
export type NamespaceChoice = 'private' | 'host' | { path: string };

/** Everything the spec depends on besides the container's config. */
export interface SpecInput {
  id: string;
  /** The container's config, already merged with its image's (mergeImageConfig). */
  config: ContainerConfig;
  host: HostConfig;
  /** Host path of the container's root filesystem (its mounted snapshot). */
  rootfs: string;
  user: ResolvedUser;
  /** Host files bound over /etc/hostname, /etc/hosts and /etc/resolv.conf. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  namespaces: {
    network: NamespaceChoice;
    pid: NamespaceChoice;
    ipc: NamespaceChoice;
    uts: NamespaceChoice;
    cgroup: NamespaceChoice;
  };
  /** User mounts, resolved (volume sources are host paths). */
  mounts: Mount[];
  /** The seccomp profile to apply, or undefined for none (unconfined or privileged). */
  seccomp: Seccomp | undefined;
  cgroupsPath: string;
  /** Host path of the init binary for `--init` (bound to /sbin/docker-init), if the container wants one. */
  init?: string;
}

/** The container's environment: docker's PATH, HOSTNAME and TERM, then the config's, then HOME. */
export function containerEnv(config: ContainerConfig, hostname: string, home: string): string[] {
  const env = new Map<string, string>();
  const put = (kv: string): void => {
    const eq = kv.indexOf('=');
    // A bare name (`-e FOO` with FOO unset on the client) is dropped, as dockerd drops it.
    if (eq < 0) return;
    env.set(kv.slice(0, eq), kv);
  };
  put(DEFAULT_PATH);
  put(`HOSTNAME=${hostname}`);
  if (config.Tty) put('TERM=xterm');
  for (const kv of config.Env ?? []) put(kv);
  if (!env.has('HOME')) put(`HOME=${home}`);
  return [...env.values()];
}

function namespace(type: string, choice: NamespaceChoice): Namespace[] {
  if (choice === 'host') return [];
  if (choice === 'private') return [{ type }];
  return [{ type, path: choice.path }];
}

/** SecurityOpt entries dockerd understands (the seccomp profile itself is resolved by the caller). */
export function securityOptions(opts: readonly string[] = []): {
  noNewPrivileges: boolean;
  systemPathsUnconfined: boolean;
} {
  let noNewPrivileges = false;
  let systemPathsUnconfined = false;
  for (const opt of opts) {
    const [key, value = ''] = opt.includes('=')
      ? (opt.split(/=(.*)/s, 2) as [string, string])
      : opt.split(':', 2);
    if (key === 'no-new-privileges') noNewPrivileges = value === '' || value === 'true';
    else if (key === 'systempaths') systemPathsUnconfined = value === 'unconfined';
    else if (key === 'seccomp' || key === 'apparmor' || key === 'label') continue;
    else throw new BerthError('InvalidArgument', `invalid --security-opt 2: "${opt}"`);
  }
  return { noNewPrivileges, systemPathsUnconfined };
}

/** The OCI spec of a container. */
export function containerSpec(input: SpecInput): Spec {
  const { config, host, user } = input;
  const privileged = host.Privileged === true;
  const args = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (args.length === 0) throw new BerthError('InvalidArgument', 'no command specified');
  const hostname = config.Hostname || input.id.slice(0, 12);
  const security = securityOptions(host.SecurityOpt ?? []);
  const caps = containerCapabilities(host.CapAdd ?? [], host.CapDrop ?? [], privileged);
  const devices = containerDevices(host);
  const resources = containerResources(host);
  const unconfinedPaths = privileged || security.systemPathsUnconfined;

  // User mounts replace system mounts on the same destination (e.g. -v /x:/dev/shm).
  const userDests = new Set(input.mounts.map((m) => m.destination));
  const etc: Mount[] = [
    {
      destination: '/etc/resolv.conf',
      type: 'bind',
      source: input.etcFiles.resolvConf,
      options: ['rbind', 'rprivate'],
    },
    {
      destination: '/etc/hostname',
      type: 'bind',
      source: input.etcFiles.hostname,
      options: ['rbind', 'rprivate'],
    },
    { destination: '/etc/hosts', type: 'bind', source: input.etcFiles.hosts, options: ['rbind', 'rprivate'] },
  ];
  const init: Mount[] = input.init
    ? [{ destination: '/sbin/docker-init', type: 'bind', source: input.init, options: ['bind', 'ro'] }]
    : [];
  const mounts = sortMounts([
    ...systemMounts(host.ShmSize && host.ShmSize > 0 ? host.ShmSize : 64 * 1024 * 1024, privileged).filter(
      (m) => !userDests.has(m.destination),
    ),
    ...etc.filter((m) => !userDests.has(m.destination)),
    ...init,
    ...input.mounts,
  ]);

  const ns = input.namespaces;
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: config.Tty === true,
      ...(host.ConsoleSize && host.ConsoleSize[0] > 0
        ? { consoleSize: { height: host.ConsoleSize[0], width: host.ConsoleSize[1] } }
        : {}),
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: input.init ? ['/sbin/docker-init', '--', ...args] : args,
      env: containerEnv(config, hostname, user.home),
      cwd: config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: containerRlimits(host),
      noNewPrivileges: security.noNewPrivileges,
      ...(host.OomScoreAdj ? { oomScoreAdj: host.OomScoreAdj } : {}),
    },
    root: { path: input.rootfs, readonly: host.ReadonlyRootfs === true },
    hostname: ns.uts === 'host' ? undefined : hostname,
    ...(config.Domainname ? { domainname: config.Domainname } : {}),
    mounts,
    annotations: { ...(host.Annotations ?? {}) },
    linux: {
      namespaces: [
        { type: 'mount' },
        ...namespace('network', ns.network),
        ...namespace('uts', ns.uts),
        ...namespace('pid', ns.pid),
        ...namespace('ipc', ns.ipc),
        ...namespace('cgroup', ns.cgroup),
      ],
      devices: devices.devices,
      resources: {
        ...resources,
        // Deny all, then what docker allows (runtime's default set) and the --device ones.
        devices: privileged
          ? [{ allow: true, access: 'rwm' }]
          : [{ allow: false, access: 'rwm' }, ...devices.rules],
      },
      cgroupsPath: input.cgroupsPath,
      sysctl: { ...(host.Sysctls ?? {}) },
      maskedPaths: unconfinedPaths ? [] : (host.MaskedPaths ?? DOCKER_MASKED_PATHS),
      readonlyPaths: unconfinedPaths ? [] : (host.ReadonlyPaths ?? DOCKER_READONLY_PATHS),
      ...(input.seccomp && !privileged ? { seccomp: input.seccomp } : {}),
    },
  };
  if (spec.hostname === undefined) delete spec.hostname;
  return spec;
}

/**
 * The config a container runs with: the request's, with the image's filled in as dockerd's merge does —
 * the image's Cmd only when the request gives neither Cmd nor Entrypoint, its Entrypoint when the
 * request's is null (an empty list clears it), Env merged by key, the rest when unset.
 */
export function mergeImageConfig(user: ContainerConfig, image: ContainerConfig): ContainerConfig {
  const merged: ContainerConfig = { ...user };
  if ((user.Entrypoint ?? []).length === 0) {
    if ((user.Cmd ?? []).length === 0) merged.Cmd = image.Cmd ?? null;
    if (user.Entrypoint === undefined || user.Entrypoint === null)
      merged.Entrypoint = image.Entrypoint ?? null;
  }
  // `--entrypoint ""` arrives as [""]: it clears the image's entrypoint (and, being set, keeps its Cmd out).
  if (user.Entrypoint?.length === 1 && user.Entrypoint[0] === '') merged.Entrypoint = [];
  const env = new Map<string, string>();
  for (const kv of [...(image.Env ?? []), ...(user.Env ?? [])]) env.set(kv.split('=', 1)[0]!, kv);
  merged.Env = [...env.values()];
  merged.User = user.User || image.User || '';
  merged.WorkingDir = user.WorkingDir || image.WorkingDir || '';
  merged.ExposedPorts = { ...(image.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  merged.Volumes = { ...(image.Volumes ?? {}), ...(user.Volumes ?? {}) };
  merged.Labels = { ...(image.Labels ?? {}), ...(user.Labels ?? {}) };
  if (!user.StopSignal && image.StopSignal) merged.StopSignal = image.StopSignal;
  if (!user.Healthcheck && image.Healthcheck) merged.Healthcheck = image.Healthcheck;
  else if (user.Healthcheck && image.Healthcheck) {
    // A partial --health-* keeps the image's other settings (dockerd merges field by field).
    const h = {
      ...image.Healthcheck,
      ...Object.fromEntries(
        Object.entries(user.Healthcheck).filter(
          ([, v]) => v !== undefined && v !== 0 && v !== null && !(Array.isArray(v) && v.length === 0),
        ),
      ),
    };
    merged.Healthcheck = h;
  }
  if (!user.Shell && image.Shell) merged.Shell = image.Shell;
  return merged;
}
