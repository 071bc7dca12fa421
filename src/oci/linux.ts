// Linux names used by config.json, and their kernel numbers: capabilities, rlimits, namespaces, mount
// options. Sources: capabilities(7), getrlimit(2), namespaces(7), mount(8) and runc's option table.

/** Capability names in kernel bit order (linux/capability.h). */
export const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default capability set (moby's oci/caps/defaults.go): what images are written against. */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const CAP_INDEX = new Map<string, number>(CAPABILITIES.map((name, i) => [name, i]));

/** The bit number of a capability name (`CAP_KILL` → 5), or undefined. */
export function capabilityBit(name: string): number | undefined {
  return CAP_INDEX.get(name);
}

/** rlimit names → resource numbers (x86_64 / generic). */
export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** Namespace types of config.json → CLONE_NEW* flags. */
export const NAMESPACE_FLAGS: Record<string, bigint> = {
  mount: 0x00020000n,
  cgroup: 0x02000000n,
  uts: 0x04000000n,
  ipc: 0x08000000n,
  user: 0x10000000n,
  pid: 0x20000000n,
  network: 0x40000000n,
  time: 0x00000080n,
};

/** Mount flags (linux/mount.h). */
export const MS = {
  RDONLY: 0x1n,
  NOSUID: 0x2n,
  NODEV: 0x4n,
  NOEXEC: 0x8n,
  SYNCHRONOUS: 0x10n,
  REMOUNT: 0x20n,
  MANDLOCK: 0x40n,
  DIRSYNC: 0x80n,
  NOSYMFOLLOW: 0x100n,
  NOATIME: 0x400n,
  NODIRATIME: 0x800n,
  BIND: 0x1000n,
  MOVE: 0x2000n,
  REC: 0x4000n,
  SILENT: 0x8000n,
  UNBINDABLE: 0x20000n,
  PRIVATE: 0x40000n,
  SLAVE: 0x80000n,
  SHARED: 0x100000n,
  RELATIME: 0x200000n,
  STRICTATIME: 0x1000000n,
  LAZYTIME: 0x2000000n,
} as const;

/** What one mount option does: set or clear flags, or set propagation. */
export interface MountOption {
  flag?: bigint;
  clear?: boolean;
  propagation?: bigint;
}

/** runc's mount option table (libcontainer/specconv): options that are flags rather than fs data. */
export const MOUNT_OPTIONS: Record<string, MountOption> = {
  async: { flag: MS.SYNCHRONOUS, clear: true },
  atime: { flag: MS.NOATIME, clear: true },
  bind: { flag: MS.BIND },
  defaults: { flag: 0n },
  dev: { flag: MS.NODEV, clear: true },
  diratime: { flag: MS.NODIRATIME, clear: true },
  dirsync: { flag: MS.DIRSYNC },
  exec: { flag: MS.NOEXEC, clear: true },
  iversion: { flag: 0x800000n },
  lazytime: { flag: MS.LAZYTIME },
  loud: { flag: MS.SILENT, clear: true },
  mand: { flag: MS.MANDLOCK },
  noatime: { flag: MS.NOATIME },
  nodev: { flag: MS.NODEV },
  nodiratime: { flag: MS.NODIRATIME },
  noexec: { flag: MS.NOEXEC },
  noiversion: { flag: 0x800000n, clear: true },
  nolazytime: { flag: MS.LAZYTIME, clear: true },
  nomand: { flag: MS.MANDLOCK, clear: true },
  norelatime: { flag: MS.RELATIME, clear: true },
  nostrictatime: { flag: MS.STRICTATIME, clear: true },
  nosuid: { flag: MS.NOSUID },
  nosymfollow: { flag: MS.NOSYMFOLLOW },
  rbind: { flag: MS.BIND | MS.REC },
  relatime: { flag: MS.RELATIME },
  remount: { flag: MS.REMOUNT },
  ro: { flag: MS.RDONLY },
  rw: { flag: MS.RDONLY, clear: true },
  silent: { flag: MS.SILENT },
  strictatime: { flag: MS.STRICTATIME },
  suid: { flag: MS.NOSUID, clear: true },
  sync: { flag: MS.SYNCHRONOUS },
  private: { propagation: MS.PRIVATE },
  rprivate: { propagation: MS.PRIVATE | MS.REC },
  shared: { propagation: MS.SHARED },
  rshared: { propagation: MS.SHARED | MS.REC },
  slave: { propagation: MS.SLAVE },
  rslave: { propagation: MS.SLAVE | MS.REC },
  unbindable: { propagation: MS.UNBINDABLE },
  runbindable: { propagation: MS.UNBINDABLE | MS.REC },
};

/** rootfsPropagation values → flags. */
export const ROOTFS_PROPAGATION: Record<string, bigint> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};
