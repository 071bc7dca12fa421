// The flags of `berth create` and `berth run` (docker's, from docker/cli's container/opts.go) and their
// translation into a POST /containers/create body, with docker's checks and messages.
import type { ContainerCreateRequest, HealthConfig, HostConfig } from '../../../api/docker/container.js';
import { BerthError } from '../../base/errors.js';
import type { Flag } from '../../base/flags.js';
import { parseMountFlag } from './mount.js';
import { addExpose, addPublish, type PortSpecs } from './ports.js';
import { msToNano, parseCpus, parseDuration, ramInBytes } from './units.js';

/** The flags both `create` and `run` take. */
export const CONTAINER_FLAGS: Flag[] = [
  { name: 'add-host', kind: 'list', usage: 'Add a custom host-to-IP mapping (host:ip)' },
  {
    name: 'annotation',
    kind: 'list',
    usage: 'Add an annotation to the container (passed through to the OCI runtime)',
  },
  { name: 'attach', short: 'a', kind: 'list', usage: 'Attach to STDIN, STDOUT or STDERR' },
  {
    name: 'blkio-weight',
    kind: 'int',
    usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable',
  },
  { name: 'cap-add', kind: 'list', usage: 'Add Linux capabilities' },
  { name: 'cap-drop', kind: 'list', usage: 'Drop Linux capabilities' },
  { name: 'cgroup-parent', kind: 'string', usage: 'Optional parent cgroup for the container' },
  { name: 'cgroupns', kind: 'string', usage: 'Cgroup namespace to use (host|private)' },
  { name: 'cidfile', kind: 'string', usage: 'Write the container ID to the file' },
  { name: 'cpu-period', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
  { name: 'cpus', kind: 'string', usage: 'Number of CPUs' },
  { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'device', kind: 'list', usage: 'Add a host device to the container' },
  { name: 'device-cgroup-rule', kind: 'list', usage: 'Add a rule to the cgroup allowed devices list' },
  { name: 'dns', kind: 'list', usage: 'Set custom DNS servers' },
  { name: 'dns-option', kind: 'list', usage: 'Set DNS options' },
  { name: 'dns-search', kind: 'list', usage: 'Set custom DNS search domains' },
  { name: 'domainname', kind: 'string', usage: 'Container NIS domain name' },
  { name: 'entrypoint', kind: 'string', usage: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'env', short: 'e', kind: 'list', usage: 'Set environment variables' },
  { name: 'env-file', kind: 'list', usage: 'Read in a file of environment variables' },
  { name: 'expose', kind: 'list', usage: 'Expose a port or a range of ports' },
  { name: 'group-add', kind: 'list', usage: 'Add additional groups to join' },
  { name: 'health-cmd', kind: 'string', usage: 'Command to run to check health' },
  {
    name: 'health-interval',
    kind: 'string',
    usage: 'Time between running the check (ms|s|m|h) (default 0s)',
  },
  { name: 'health-retries', kind: 'int', usage: 'Consecutive failures needed to report unhealthy' },
  {
    name: 'health-start-interval',
    kind: 'string',
    usage: 'Time between running the check during the start period (ms|s|m|h) (default 0s)',
  },
  {
    name: 'health-start-period',
    kind: 'string',
    usage:
      'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)',
  },
  {
    name: 'health-timeout',
    kind: 'string',
    usage: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)',
  },
  { name: 'hostname', short: 'h', kind: 'string', usage: 'Container host name' },
  {
    name: 'init',
    kind: 'bool',
    usage: 'Run an init inside the container that forwards signals and reaps processes',
  },
  { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
  { name: 'ip', kind: 'string', usage: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'ipc', kind: 'string', usage: 'IPC mode to use' },
  { name: 'label', short: 'l', kind: 'list', usage: 'Set meta data on a container' },
  { name: 'label-file', kind: 'list', usage: 'Read in a line delimited file of labels' },
  { name: 'link', kind: 'list', usage: 'Add link to another container' },
  { name: 'log-driver', kind: 'string', usage: 'Logging driver for the container' },
  { name: 'log-opt', kind: 'list', usage: 'Log driver options' },
  { name: 'memory', short: 'm', kind: 'string', usage: 'Memory limit' },
  { name: 'memory-reservation', kind: 'string', usage: 'Memory soft limit' },
  {
    name: 'memory-swap',
    kind: 'string',
    usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
  },
  {
    name: 'memory-swappiness',
    kind: 'int',
    usage: 'Tune container memory swappiness (0 to 100)',
    default: -1,
  },
  { name: 'mount', kind: 'list', usage: 'Attach a filesystem mount to the container' },
  { name: 'name', kind: 'string', usage: 'Assign a name to the container' },
  { name: 'network', kind: 'string', usage: 'Connect a container to a network' },
  { name: 'net', kind: 'string', hidden: true },
  { name: 'network-alias', kind: 'list', usage: 'Add network-scoped alias for the container' },
  { name: 'no-healthcheck', kind: 'bool', usage: 'Disable any container-specified HEALTHCHECK' },
  { name: 'oom-kill-disable', kind: 'bool', usage: 'Disable OOM Killer' },
  { name: 'oom-score-adj', kind: 'int', usage: "Tune host's OOM preferences (-1000 to 1000)" },
  { name: 'pid', kind: 'string', usage: 'PID namespace to use' },
  { name: 'pids-limit', kind: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
  { name: 'privileged', kind: 'bool', usage: 'Give extended privileges to this container' },
  { name: 'publish', short: 'p', kind: 'list', usage: "Publish a container's port(s) to the host" },
  { name: 'publish-all', short: 'P', kind: 'bool', usage: 'Publish all exposed ports to random ports' },
  {
    name: 'pull',
    kind: 'string',
    usage: 'Pull image before creating ("always", "missing", "never")',
    default: 'missing',
  },
  { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the pull output' },
  { name: 'read-only', kind: 'bool', usage: "Mount the container's root filesystem as read only" },
  { name: 'restart', kind: 'string', usage: 'Restart policy to apply when a container exits', default: 'no' },
  {
    name: 'rm',
    kind: 'bool',
    usage: 'Automatically remove the container and its associated anonymous volumes when it exits',
  },
  { name: 'runtime', kind: 'string', usage: 'Runtime to use for this container' },
  { name: 'security-opt', kind: 'list', usage: 'Security Options' },
  { name: 'shm-size', kind: 'string', usage: 'Size of /dev/shm' },
  { name: 'stop-signal', kind: 'string', usage: 'Signal to stop the container' },
  { name: 'stop-timeout', kind: 'int', usage: 'Timeout (in seconds) to stop a container' },
  { name: 'sysctl', kind: 'list', usage: 'Sysctl options' },
  { name: 'tmpfs', kind: 'list', usage: 'Mount a tmpfs directory' },
  { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
  { name: 'ulimit', kind: 'list', usage: 'Ulimit options' },
  { name: 'user', short: 'u', kind: 'string', usage: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'userns', kind: 'string', usage: 'User namespace to use' },
  { name: 'uts', kind: 'string', usage: 'UTS namespace to use' },
  { name: 'volume', short: 'v', kind: 'list', usage: 'Bind mount a volume' },
  { name: 'volumes-from', kind: 'list', usage: 'Mount volumes from the specified container(s)' },
  { name: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
];

/** `run`'s own flags on top. */
export const RUN_FLAGS: Flag[] = [
  ...CONTAINER_FLAGS,
  { name: 'detach', short: 'd', kind: 'bool', usage: 'Run container in background and print container ID' },
  { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
  { name: 'sig-proxy', kind: 'bool', usage: 'Proxy received signals to the process', default: true },
];

/** What the client side needs from its environment (so that the translation stays testable). */
export interface ClientEnv {
  getenv(name: string): string | undefined;
  readFile(path: string): string;
}

/** The create request, and what only the client acts on. */
export interface ParsedContainer {
  image: string;
  name?: string;
  request: ContainerCreateRequest;
  detach: boolean;
  pull: 'always' | 'missing' | 'never';
  platform?: string;
  cidfile?: string;
  sigProxy: boolean;
  detachKeys?: string;
}

type Values = Record<string, unknown>;
const list = (v: Values, k: string): string[] => (v[k] as string[] | undefined) ?? [];
const str = (v: Values, k: string): string | undefined => v[k] as string | undefined;

/** `KEY=value` lines of an env or label file: comments and blank lines skipped, `KEY` alone kept. */
export function readKeyValueFile(env: ClientEnv, path: string, lookup: boolean): string[] {
  let text: string;
  try {
    text = env.readFile(path);
  } catch {
    throw new BerthError('InvalidArgument', `open ${path}: no such file or directory`);
  }
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (/\s/.test(line.split('=')[0]!))
      throw new BerthError('InvalidArgument', `variable '${line.split('=')[0]}' contains whitespaces`);
    if (!line.includes('=') && lookup) {
      const value = env.getenv(line);
      if (value !== undefined) out.push(`${line}=${value}`);
      continue;
    }
    out.push(line);
  }
  return out;
}

/** `key=value` flag values as a map; only labels may omit the value (docker's ListOpts validators). */
export function keyValues(items: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of items) {
    const eq = kv.indexOf('=');
    if (eq <= 0 && what !== 'label')
      throw new BerthError(
        'InvalidArgument',
        `invalid argument "${kv}" for "--${what}" flag: ${what} must be key=value`,
      );
    out[eq < 0 ? kv : kv.slice(0, eq)] = eq < 0 ? '' : kv.slice(eq + 1);
  }
  return out;
}

/** A --restart value as a RestartPolicy (docker/cli opts.ParseRestartPolicy). */
export function restartPolicy(spec: string): HostConfig['RestartPolicy'] {
  const [name, count] = spec.split(':', 2) as [string, string | undefined];
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name))
    throw new BerthError('InvalidArgument', `invalid restart policy format: ${spec}`);
  if (count !== undefined) {
    if (name !== 'on-failure')
      throw new BerthError(
        'InvalidArgument',
        `maximum retry count cannot be used with restart policy '${name}'`,
      );
    if (!/^\d+$/.test(count))
      throw new BerthError(
        'InvalidArgument',
        `invalid restart policy format: maximum retry count must be an integer`,
      );
  }
  return { Name: name as 'no', MaximumRetryCount: count ? Number(count) : 0 };
}

function healthcheck(v: Values): HealthConfig | undefined {
  const dur = (k: string): number | undefined => {
    const s = str(v, k);
    if (s === undefined) return undefined;
    const ms = parseDuration(s);
    if (ms < 0) throw new BerthError('InvalidArgument', `--${k} cannot be negative`);
    return msToNano(ms);
  };
  if (v['no-healthcheck']) {
    if (
      ['health-cmd', 'health-interval', 'health-timeout', 'health-retries', 'health-start-period'].some(
        (k) => v[k] !== undefined,
      )
    )
      throw new BerthError('InvalidArgument', '--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  const cmd = str(v, 'health-cmd');
  const h: HealthConfig = {
    ...(cmd !== undefined ? { Test: ['CMD-SHELL', cmd] } : {}),
    ...(dur('health-interval') !== undefined ? { Interval: dur('health-interval') } : {}),
    ...(dur('health-timeout') !== undefined ? { Timeout: dur('health-timeout') } : {}),
    ...(dur('health-start-period') !== undefined ? { StartPeriod: dur('health-start-period') } : {}),
    ...(dur('health-start-interval') !== undefined ? { StartInterval: dur('health-start-interval') } : {}),
    ...(v['health-retries'] !== undefined ? { Retries: v['health-retries'] as number } : {}),
  };
  if ((h.Retries ?? 0) < 0) throw new BerthError('InvalidArgument', '--health-retries cannot be negative');
  return Object.keys(h).length ? h : undefined;
}

/** `--device /dev/x[:/dev/y][:rwm]`. */
function device(spec: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = spec.split(':');
  const mode = (s: string): boolean => /^[rwm]{1,3}$/.test(s);
  if (parts.length === 1)
    return { PathOnHost: parts[0]!, PathInContainer: parts[0]!, CgroupPermissions: 'rwm' };
  if (parts.length === 2)
    return mode(parts[1]!)
      ? { PathOnHost: parts[0]!, PathInContainer: parts[0]!, CgroupPermissions: parts[1]! }
      : { PathOnHost: parts[0]!, PathInContainer: parts[1]!, CgroupPermissions: 'rwm' };
  if (parts.length === 3 && mode(parts[2]!))
    return { PathOnHost: parts[0]!, PathInContainer: parts[1]!, CgroupPermissions: parts[2]! };
  throw new BerthError('InvalidArgument', `invalid device specification: ${spec}`);
}

/** Translates `create`/`run` flags and arguments (IMAGE [COMMAND] [ARG...]) into a create request. */
export function parseContainerFlags(
  v: Values,
  args: string[],
  env: ClientEnv,
  isRun: boolean,
): ParsedContainer {
  const [image, ...cmd] = args;
  if (!image)
    throw new BerthError(
      'InvalidArgument',
      `"berth ${isRun ? 'run' : 'create'}" requires at least 1 argument.`,
    );
  const detach = v.detach === true;
  const attach = list(v, 'attach').map((s) => s.toLowerCase());
  for (const a of attach)
    if (!['stdin', 'stdout', 'stderr'].includes(a))
      throw new BerthError(
        'InvalidArgument',
        `invalid argument "${a}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`,
      );
  if (detach && attach.length) throw new BerthError('InvalidArgument', 'Conflicting options: -a and -d');
  if (v.rm && str(v, 'restart') && str(v, 'restart') !== 'no')
    throw new BerthError('InvalidArgument', 'Conflicting options: --restart and --rm');

  const environment = [
    ...list(v, 'env-file').flatMap((f) => readKeyValueFile(env, f, true)),
    ...list(v, 'env').map((kv) =>
      kv.includes('=') ? kv : env.getenv(kv) !== undefined ? `${kv}=${env.getenv(kv)}` : kv,
    ),
  ];
  const labels = keyValues(
    [...list(v, 'label-file').flatMap((f) => readKeyValueFile(env, f, false)), ...list(v, 'label')],
    'label',
  );
  const ports: PortSpecs = { exposed: {}, bindings: {} };
  for (const p of list(v, 'publish')) addPublish(ports, p);
  for (const e of list(v, 'expose')) addExpose(ports, e);
  const volumes: Record<string, object> = {};
  const binds: string[] = [];
  for (const spec of list(v, 'volume')) {
    // A lone container path is an anonymous volume, not a bind.
    if (spec.startsWith('/') && !spec.includes(':')) volumes[spec] = {};
    else binds.push(spec);
  }
  const tmpfs: Record<string, string> = {};
  for (const t of list(v, 'tmpfs')) {
    const colon = t.indexOf(':');
    tmpfs[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? '' : t.slice(colon + 1);
  }
  const securityOpt = list(v, 'security-opt').map((opt) => {
    // The profile travels by value: the daemon may not see the client's files.
    const m = /^seccomp[=:](.+)$/.exec(opt);
    if (!m || m[1] === 'unconfined' || m[1] === 'builtin') return opt;
    let text: string;
    try {
      text = env.readFile(m[1]!);
    } catch {
      throw new BerthError(
        'InvalidArgument',
        `opening seccomp profile (${m[1]}) failed: open ${m[1]}: no such file or directory`,
      );
    }
    try {
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    } catch {
      throw new BerthError(
        'InvalidArgument',
        `compacting json for seccomp profile (${m[1]}) failed: invalid JSON`,
      );
    }
  });
  const size = (k: string): number | undefined =>
    str(v, k) === undefined ? undefined : ramInBytes(str(v, k)!);
  const swap = str(v, 'memory-swap');
  const network = str(v, 'network') ?? str(v, 'net');
  const ip = str(v, 'ip');
  const aliases = list(v, 'network-alias');
  const logOpts = keyValues(list(v, 'log-opt'), 'log-opt');
  const stdin = v.interactive === true;
  const attachAll = !detach && attach.length === 0;
  const host: HostConfig = {
    Binds: binds,
    ContainerIDFile: str(v, 'cidfile') ?? '',
    LogConfig: { Type: str(v, 'log-driver') ?? '', Config: logOpts },
    NetworkMode: network ?? 'default',
    PortBindings: ports.bindings,
    RestartPolicy: restartPolicy(str(v, 'restart') ?? 'no'),
    AutoRemove: v.rm === true,
    VolumesFrom: list(v, 'volumes-from'),
    Mounts: list(v, 'mount').map(parseMountFlag),
    CapAdd: list(v, 'cap-add'),
    CapDrop: list(v, 'cap-drop'),
    CgroupnsMode: (str(v, 'cgroupns') ?? '') as HostConfig['CgroupnsMode'],
    Dns: list(v, 'dns'),
    DnsOptions: list(v, 'dns-option'),
    DnsSearch: list(v, 'dns-search'),
    ExtraHosts: list(v, 'add-host').map((h) => h.replace(/^([^:=]+)=/, '$1:')),
    GroupAdd: list(v, 'group-add'),
    IpcMode: str(v, 'ipc') ?? '',
    Links: list(v, 'link'),
    OomScoreAdj: (v['oom-score-adj'] as number | undefined) ?? 0,
    PidMode: str(v, 'pid') ?? '',
    Privileged: v.privileged === true,
    PublishAllPorts: v['publish-all'] === true,
    ReadonlyRootfs: v['read-only'] === true,
    SecurityOpt: securityOpt,
    Tmpfs: tmpfs,
    UTSMode: str(v, 'uts') ?? '',
    UsernsMode: str(v, 'userns') ?? '',
    ShmSize: size('shm-size') ?? 0,
    Sysctls: keyValues(list(v, 'sysctl'), 'sysctl'),
    Runtime: str(v, 'runtime') ?? '',
    Annotations: keyValues(list(v, 'annotation'), 'annotation'),
    CgroupParent: str(v, 'cgroup-parent') ?? '',
    BlkioWeight: (v['blkio-weight'] as number | undefined) ?? 0,
    CpuPeriod: (v['cpu-period'] as number | undefined) ?? 0,
    CpuQuota: (v['cpu-quota'] as number | undefined) ?? 0,
    CpuShares: (v['cpu-shares'] as number | undefined) ?? 0,
    NanoCpus: str(v, 'cpus') === undefined ? 0 : parseCpus(str(v, 'cpus')!),
    CpusetCpus: str(v, 'cpuset-cpus') ?? '',
    CpusetMems: str(v, 'cpuset-mems') ?? '',
    Devices: list(v, 'device').map(device),
    DeviceCgroupRules: list(v, 'device-cgroup-rule'),
    Memory: size('memory') ?? 0,
    MemoryReservation: size('memory-reservation') ?? 0,
    MemorySwap: swap === undefined ? 0 : swap === '-1' ? -1 : ramInBytes(swap),
    MemorySwappiness: (v['memory-swappiness'] as number | undefined) ?? -1,
    OomKillDisable: v['oom-kill-disable'] === true,
    PidsLimit: (v['pids-limit'] as number | undefined) ?? 0,
    Ulimits: list(v, 'ulimit').map((u) => {
      const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
      if (!m) throw new BerthError('InvalidArgument', `invalid ulimit argument: ${u}`);
      return { Name: m[1]!, Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) };
    }),
    ...(v.init === true ? { Init: true } : {}),
  };
  const entrypoint = str(v, 'entrypoint');
  const request: ContainerCreateRequest = {
    Hostname: str(v, 'hostname') ?? '',
    Domainname: str(v, 'domainname') ?? '',
    User: str(v, 'user') ?? '',
    AttachStdin: attachAll ? stdin : attach.includes('stdin'),
    AttachStdout: attachAll || attach.includes('stdout'),
    AttachStderr: attachAll || attach.includes('stderr'),
    ExposedPorts: ports.exposed,
    Tty: v.tty === true,
    OpenStdin: stdin,
    StdinOnce: stdin && !detach,
    Env: environment,
    Cmd: cmd.length ? cmd : null,
    Image: image,
    Volumes: volumes,
    WorkingDir: str(v, 'workdir') ?? '',
    Entrypoint: entrypoint === undefined ? null : entrypoint === '' ? [''] : [entrypoint],
    Labels: labels,
    ...(str(v, 'stop-signal') ? { StopSignal: str(v, 'stop-signal') } : {}),
    ...(v['stop-timeout'] !== undefined ? { StopTimeout: v['stop-timeout'] as number } : {}),
    ...(healthcheck(v) ? { Healthcheck: healthcheck(v) } : {}),
    HostConfig: host,
    NetworkingConfig: {
      EndpointsConfig:
        // The docker CLI keys the endpoint "default" when no --network is given; the daemon then refuses
        // what the default bridge cannot have (static addresses, aliases) with dockerd's message.
        ip || aliases.length
          ? {
              [network || 'default']: {
                ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}),
                Aliases: aliases,
              },
            }
          : {},
    },
  };
  const pull = str(v, 'pull') ?? 'missing';
  if (!['always', 'missing', 'never'].includes(pull))
    throw new BerthError(
      'InvalidArgument',
      `invalid pull option: '${pull}': must be one of "always", "missing" or "never"`,
    );
  return {
    image,
    ...(str(v, 'name') ? { name: str(v, 'name') } : {}),
    request,
    detach,
    pull: pull as ParsedContainer['pull'],
    ...(str(v, 'platform') ? { platform: str(v, 'platform') } : {}),
    ...(str(v, 'cidfile') ? { cidfile: str(v, 'cidfile') } : {}),
    sigProxy: v['sig-proxy'] !== false,
    ...(str(v, 'detach-keys') ? { detachKeys: str(v, 'detach-keys') } : {}),
  };
}
