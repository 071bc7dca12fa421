// Builds a container's plan: config.json (validated) → the ordered steps native/init executes.
// Pure: everything it needs from the host (cgroup layout, whether a bind source is a directory) comes in
// through PlanInput, so tests can assert on the plan without a kernel (STYLE.md, youki's recording fake).
import { isAbsolute, resolve } from 'node:path';
import { capabilityBit, MS, NAMESPACE_FLAGS, RLIMITS, ROOTFS_PROPAGATION } from '../../oci/linux.js';
import type { Capabilities, Mount, Seccomp, Spec } from '../../oci/runtime-spec.js';
import { compileSeccompCached } from '../seccomp/index.js';
import { parseMountOptions } from './mount-options.js';
import { MountKind, type Step } from './ops.js';

/** A cgroup hierarchy the container's /sys/fs/cgroup should show. */
export interface CgroupMountSource {
  /** Directory name under /sys/fs/cgroup (`memory`, `cpu,cpuacct`, `unified`, or '' for a v2-only host). */
  name: string;
  /** Filesystem type: `cgroup` or `cgroup2`. */
  fstype: 'cgroup' | 'cgroup2';
  /** Mount data for a new mount in a cgroup namespace (`memory`, `none,name=systemd`). */
  data: string;
  /** The container's own cgroup directory on the host, bind-mounted when there is no cgroup namespace. */
  hostPath: string;
}

/** One of the container's cgroup directories on the host. */
export interface CgroupDir {
  path: string;
  /** 1 for a v1 hierarchy, 2 for the cgroup2 one. */
  version: 1 | 2;
}

/** Everything the plan depends on besides config.json. */
export interface PlanInput {
  spec: Spec;
  /** Absolute bundle directory. */
  bundle: string;
  /** The container's state directory (holds exec.fifo). */
  stateDir: string;
  /** `create` waits on the exec fifo; `run` does too, `start` releases it. */
  consoleSocket?: string;
  preserveFds: number;
  noPivot: boolean;
  /** The container's cgroup directories, joined as it starts. */
  cgroups: CgroupDir[];
  /** Hierarchies for a `cgroup` mount. */
  cgroupMounts: CgroupMountSource[];
  /** Whether a host path is a directory (bind mounts of files need a file as destination). */
  isDirectory(path: string): boolean;
  /** Where compiled seccomp programs are kept between runtime processes (seccomp/cache.ts); none: memory only. */
  seccompCache?: string;
}

const DEFAULT_DEVICES = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/tty', major: 5, minor: 0 },
];

const DEV_SYMLINKS: [string, string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const RLIM_INFINITY = 0xffffffffffffffffn;

/** makedev(3) as glibc encodes it. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** Capability names → bit mask. */
export function capMask(names: readonly string[] | undefined): bigint {
  let mask = 0n;
  for (const name of names ?? []) mask |= 1n << BigInt(capabilityBit(name)!);
  return mask;
}

function idMap(maps: { containerID: number; hostID: number; size: number }[] | undefined): string {
  return (maps ?? []).map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** The steps of a container's plan, in the order native/init must run them. */
export function buildPlan(input: PlanInput): Step[] {
  const { spec } = input;
  const process = spec.process!;
  const linux = spec.linux ?? {};
  const namespaces = linux.namespaces ?? [];
  const created = new Set(namespaces.filter((n) => !n.path).map((n) => n.type));
  const userNs = namespaces.some((n) => n.type === 'user');
  const steps: Step[] = [];

  // Parent side: namespaces to join (user first, so the others are joined with its privileges) and create.
  const joins = namespaces
    .filter((n) => n.path)
    .sort((a, b) => Number(b.type === 'user') - Number(a.type === 'user'));
  for (const ns of joins)
    steps.push({ op: 'JOIN_NS', nstype: Number(NAMESPACE_FLAGS[ns.type]), path: ns.path! });
  let cloneFlags = 0n;
  for (const type of created) if (type !== 'cgroup') cloneFlags |= NAMESPACE_FLAGS[type]!;
  steps.push({ op: 'CLONE', flags: cloneFlags });
  if (created.has('user')) {
    steps.push({ op: 'UID_MAP', content: idMap(linux.uidMappings) });
    steps.push({ op: 'GID_MAP', content: idMap(linux.gidMappings) });
  }
  for (const { path, version } of input.cgroups)
    steps.push({ op: version === 2 ? 'CGROUP_V2' : 'CGROUP_V1', path });
  steps.push({ op: 'FIFO_DIR', path: input.stateDir });
  if (input.consoleSocket) steps.push({ op: 'CONSOLE_SOCKET', path: input.consoleSocket });
  steps.push({ op: 'PROCESS', argv: process.args!, env: process.env ?? [], preserveFds: input.preserveFds });

  // Child side, in runc's order (libcontainer/standard_init_linux.go).
  if (created.has('cgroup')) steps.push({ op: 'UNSHARE', flags: NAMESPACE_FLAGS.cgroup! });
  if (created.has('uts') || namespaces.some((n) => n.type === 'uts')) {
    if (spec.hostname) steps.push({ op: 'HOSTNAME', name: spec.hostname });
    if (spec.domainname) steps.push({ op: 'DOMAINNAME', name: spec.domainname });
  }
  if (process.oomScoreAdj !== undefined) steps.push({ op: 'OOM_SCORE_ADJ', value: process.oomScoreAdj });

  steps.push(...rootfsSteps(input, created, userNs));

  for (const [key, value] of Object.entries(linux.sysctl ?? {})) steps.push({ op: 'SYSCTL', key, value });
  if (process.terminal)
    steps.push({
      op: 'TERMINAL',
      rows: process.consoleSize?.height ?? 0,
      cols: process.consoleSize?.width ?? 0,
    });
  for (const path of linux.maskedPaths ?? []) steps.push({ op: 'MASK', path });
  for (const path of linux.readonlyPaths ?? []) steps.push({ op: 'READONLY', path });
  if (spec.root?.readonly) steps.push({ op: 'REMOUNT', path: '/', flags: MS.RDONLY });
  const rootProp = linux.rootfsPropagation ? ROOTFS_PROPAGATION[linux.rootfsPropagation] : undefined;
  if (rootProp !== undefined) steps.push({ op: 'PROPAGATE', path: '/', flags: rootProp });

  for (const r of process.rlimits ?? [])
    steps.push({ op: 'RLIMIT', resource: RLIMITS[r.type]!, soft: limit(r.soft), hard: limit(r.hard) });
  if (process.noNewPrivileges) steps.push({ op: 'NO_NEW_PRIVS' });
  // runc's standard_init_linux.go: without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN, so the filter goes in
  // before finalizeNamespace drops capabilities; with it, as late as it can (after the program lookup), so the
  // profile has to allow as few of the runtime's own syscalls as possible. Both come before READY, so that a
  // refused filter fails `create`.
  const seccomp = seccompStep(linux.seccomp, input.seccompCache);
  if (seccomp && !process.noNewPrivileges) steps.push(seccomp);
  steps.push(credsStep(process.user, process.capabilities));
  steps.push({ op: 'UMASK', mask: process.user.umask ?? 0o022 });
  steps.push({ op: 'CWD', path: process.cwd });
  steps.push({ op: 'LOOKUP' });
  if (seccomp && process.noNewPrivileges) steps.push(seccomp);
  steps.push({ op: 'READY' });
  steps.push({ op: 'FIFO_WAIT' });
  steps.push({ op: 'EXEC' });
  return steps;
}

/** `linux.seccomp` compiled to BPF for the host's architecture; none without a profile. */
function seccompStep(seccomp: Seccomp | undefined, cacheDir: string | undefined): Step | undefined {
  if (!seccomp) return undefined;
  const { filter, flags } = compileSeccompCached(seccomp, cacheDir);
  return { op: 'SECCOMP', flags, filter };
}

function limit(v: number): bigint {
  // config.json cannot hold 2^64-1 exactly as a JSON number; anything at or above 2^63 means infinity.
  return v >= 2 ** 63 ? RLIM_INFINITY : BigInt(v);
}

function credsStep(
  user: { uid: number; gid: number; additionalGids?: number[] },
  caps: Capabilities | undefined,
): Step {
  return {
    op: 'CREDS',
    uid: user.uid,
    gid: user.gid,
    groups: user.additionalGids ?? [],
    bounding: capMask(caps?.bounding),
    effective: capMask(caps?.effective),
    permitted: capMask(caps?.permitted),
    inheritable: capMask(caps?.inheritable),
    ambient: capMask(caps?.ambient),
  };
}

function rootfsSteps(input: PlanInput, created: Set<string>, userNs: boolean): Step[] {
  const { spec, bundle } = input;
  const linux = spec.linux ?? {};
  const rootfs = resolve(bundle, spec.root!.path);
  const steps: Step[] = [];
  const rootProp = linux.rootfsPropagation ? ROOTFS_PROPAGATION[linux.rootfsPropagation]! : 0n;
  // runc makes / rslave unless asked otherwise, so nothing the container mounts reaches the host.
  const sharedRoot = (rootProp & MS.SHARED) !== 0n;
  steps.push({ op: 'ROOTFS', hostPath: rootfs, rootPropagation: sharedRoot ? rootProp : MS.SLAVE | MS.REC });

  const mounts = spec.mounts ?? [];
  // Steps that must wait until after pivot_root (remounts of mounts made above).
  const late: Step[] = [];
  let devIsBind = false;
  let hasPts = false;
  for (const m of mounts) {
    const opts = parseMountOptions(m.options ?? []);
    const bind = m.type === 'bind' || opts.bind;
    if (m.destination === '/dev' && bind) devIsBind = true;
    if (m.destination === '/dev/pts' && m.type === 'devpts') hasPts = true;
    steps.push(...mountSteps(m, input, created, late));
  }
  if (!devIsBind) {
    for (const d of DEFAULT_DEVICES)
      steps.push(deviceStep(d.path, 'c', d.major, d.minor, 0o666, 0, 0, userNs));
    for (const d of linux.devices ?? [])
      steps.push(
        deviceStep(
          d.path,
          d.type,
          d.major ?? 0,
          d.minor ?? 0,
          d.fileMode ?? 0o666,
          d.uid ?? 0,
          d.gid ?? 0,
          userNs,
        ),
      );
    for (const [target, path] of DEV_SYMLINKS) steps.push({ op: 'SYMLINK', target, path });
    if (hasPts) steps.push({ op: 'SYMLINK', target: 'pts/ptmx', path: '/dev/ptmx' });
    if (spec.process?.terminal)
      steps.push({ op: 'MKNOD', path: '/dev/console', mode: 0o100666, dev: 0n, uid: 0, gid: 0 });
  }
  steps.push({ op: 'MKDIR', path: spec.process!.cwd, mode: 0o755 });
  steps.push({ op: 'PIVOT', noPivot: input.noPivot });
  steps.push(...late);
  return steps;
}

function deviceStep(
  path: string,
  type: string,
  major: number,
  minor: number,
  fileMode: number,
  uid: number,
  gid: number,
  userNs: boolean,
): Step {
  // In a user namespace mknod is not allowed: bind the host's node instead, as runc does.
  if (userNs)
    return {
      op: 'MOUNT',
      source: path,
      dest: path,
      fstype: '',
      flags: MS.BIND,
      data: '',
      kind: MountKind.BIND | MountKind.FILE,
      propagation: 0n,
    };
  const typeBits = type === 'b' ? S_IFBLK : type === 'p' ? S_IFIFO : S_IFCHR;
  return { op: 'MKNOD', path, mode: typeBits | (fileMode & 0o7777), dev: makedev(major, minor), uid, gid };
}

function mountSteps(m: Mount, input: PlanInput, created: Set<string>, late: Step[]): Step[] {
  const opts = parseMountOptions(m.options ?? []);
  const data = opts.data.join(',');
  const type = m.type ?? '';
  if (type === 'bind' || opts.bind) {
    const source = isAbsolute(m.source!) ? m.source! : resolve(input.bundle, m.source!);
    const extra = opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    let kind: number = MountKind.BIND;
    if (!input.isDirectory(source)) kind |= MountKind.FILE;
    if (extra !== 0n) kind |= MountKind.REMOUNT;
    return [
      {
        op: 'MOUNT',
        source,
        dest: m.destination,
        fstype: '',
        flags: MS.BIND | (opts.recursive ? MS.REC : 0n) | extra,
        data,
        kind,
        propagation: opts.propagation,
      },
    ];
  }
  if (type === 'cgroup')
    return cgroupSteps(m.destination, opts.flags, input.cgroupMounts, created.has('cgroup'), late);
  if (type === 'sysfs' && !created.has('network')) {
    // sysfs cannot be mounted without a private network namespace: bind the host's, as runc does.
    return [
      {
        op: 'MOUNT',
        source: '/sys',
        dest: m.destination,
        fstype: '',
        flags: MS.BIND | MS.REC | opts.flags,
        data: '',
        kind: MountKind.BIND | MountKind.REMOUNT,
        propagation: MS.SLAVE | MS.REC,
      },
    ];
  }
  return [
    {
      op: 'MOUNT',
      source: m.source ?? type,
      dest: m.destination,
      fstype: type,
      flags: opts.flags,
      data,
      kind: 0,
      propagation: opts.propagation,
    },
  ];
}

/** A `cgroup` mount: a tmpfs holding each hierarchy, as runc lays it out on v1; one cgroup2 mount on v2. */
function cgroupSteps(
  dest: string,
  flags: bigint,
  sources: CgroupMountSource[],
  cgroupNs: boolean,
  late: Step[],
): Step[] {
  const steps: Step[] = [];
  const mountOne = (s: CgroupMountSource, at: string): Step =>
    cgroupNs
      ? {
          op: 'MOUNT',
          source: s.fstype,
          dest: at,
          fstype: s.fstype,
          flags,
          data: s.data,
          kind: 0,
          propagation: 0n,
        }
      : {
          op: 'MOUNT',
          source: s.hostPath,
          dest: at,
          fstype: '',
          flags: MS.BIND | flags,
          data: '',
          kind: MountKind.BIND | MountKind.REMOUNT,
          propagation: 0n,
        };
  const v2Only = sources.length === 1 && sources[0]!.name === '';
  if (v2Only) return [mountOne(sources[0]!, dest)];
  const tmpfsFlags = (flags | MS.NOSUID | MS.NODEV | MS.NOEXEC) & ~MS.RDONLY;
  steps.push({
    op: 'MOUNT',
    source: 'tmpfs',
    dest,
    fstype: 'tmpfs',
    flags: tmpfsFlags,
    data: 'mode=755',
    kind: 0,
    propagation: 0n,
  });
  for (const s of sources) {
    steps.push(mountOne(s, `${dest}/${s.name}`));
    // cpu,cpuacct is reachable under each of its names, as on the host.
    if (s.name.includes(','))
      for (const alias of s.name.split(','))
        steps.push({ op: 'SYMLINK', target: s.name, path: `${dest}/${alias}` });
  }
  if ((flags & MS.RDONLY) !== 0n) late.push({ op: 'REMOUNT', path: dest, flags: tmpfsFlags | MS.RDONLY });
  return steps;
}
