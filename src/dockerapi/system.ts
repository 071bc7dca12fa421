// System routes: GET|HEAD /_ping, GET /version, GET /info (swagger: SystemPing, SystemVersion, SystemInfo).
import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import type { DaemonConfig } from '../daemon/config.js';
import type { ApiContext } from './context.js';
import type { Router } from './router.js';
import { API_VERSION, MIN_API_VERSION } from './version.js';

/** Counts the daemon's services know; each is asked when /info is served. */
export interface SystemCounts {
  containers(): { running: number; paused: number; stopped: number };
  images(): number;
}

/** What the system routes need from the daemon. */
export interface SystemDeps {
  version: string;
  config: DaemonConfig;
  /** The daemon's persistent ID (a UUID kept under the data root). */
  id: string;
  counts: SystemCounts;
  /** Storage driver name and status pairs, as /info reports them. */
  storage: { driver: string; status: [string, string][] };
  /** cgroup facts: the driver and the version of the host's layout. */
  cgroup: { driver: 'cgroupfs' | 'systemd'; version: '1' | '2' };
}

/** Go's GOARCH names for Node's arch names. */
export function goArch(a: string = arch()): string {
  return (
    (
      { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[a] ?? a
  );
}

function operatingSystem(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    if (m) return m[1]!;
  } catch {
    // not every host has it
  }
  return 'Linux';
}

/** Adds the system routes. */
export function registerSystem(router: Router, deps: SystemDeps): void {
  const ping = (ctx: ApiContext): void => {
    ctx.res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
    ctx.res.setHeader('Pragma', 'no-cache');
    ctx.res.setHeader('Builder-Version', '1');
    ctx.res.setHeader('Swarm', 'inactive');
    ctx.text(200, 'OK');
  };
  router.add('GET', '/_ping', ping).add('HEAD', '/_ping', ping);
  // Berth has no image builder, so no build cache: the prune that `docker system prune` always sends
  // (POST /build/prune, swagger "BuildPrune") truthfully finds nothing to delete.
  router.add('POST', '/build/prune', (ctx) => ctx.json(200, { CachesDeleted: [], SpaceReclaimed: 0 }));

  router.add('GET', '/version', (ctx) =>
    ctx.json(200, {
      Platform: { Name: 'Berth' },
      Components: [
        {
          Name: 'Engine',
          Version: deps.version,
          Details: {
            ApiVersion: API_VERSION,
            MinAPIVersion: MIN_API_VERSION,
            Os: 'linux',
            Arch: goArch(),
            KernelVersion: release(),
            // The docker CLI prints these keys; Berth runs on Node, so the "Go version" is Node's.
            GoVersion: process.version,
            GitCommit: '',
            BuildTime: '',
            Experimental: String(deps.config.experimental),
          },
        },
      ],
      Version: deps.version,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: process.version,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: release(),
      Experimental: deps.config.experimental,
      BuildTime: '',
    }),
  );

  router.add('GET', '/info', (ctx) => {
    const c = deps.counts.containers();
    const { config } = deps;
    const runtimes: Record<string, { path: string; runtimeArgs?: string[] }> = {
      berth: { path: 'berth-init' },
    };
    for (const [name, rt] of Object.entries(config.runtimes)) runtimes[name] = rt;
    ctx.json(200, {
      ID: deps.id,
      Containers: c.running + c.paused + c.stopped,
      ContainersRunning: c.running,
      ContainersPaused: c.paused,
      ContainersStopped: c.stopped,
      Images: deps.counts.images(),
      Driver: deps.storage.driver,
      DriverStatus: deps.storage.status,
      DockerRootDir: config.root,
      Plugins: {
        Volume: ['local'],
        Network: ['bridge', 'host', 'null'],
        Authorization: null,
        Log: ['json-file', 'local'],
      },
      MemoryLimit: true,
      SwapLimit: deps.cgroup.version === '2' || swapAccounting(),
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      OomKillDisable: deps.cgroup.version === '1',
      IPv4Forwarding: ipv4Forwarding(),
      Debug: config.debug,
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: deps.cgroup.driver,
      CgroupVersion: deps.cgroup.version,
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: operatingSystem(),
      OSVersion: '',
      OSType: 'linux',
      Architecture: arch() === 'x64' ? 'x86_64' : arch(),
      NCPU: cpus().length,
      MemTotal: totalmem(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: {
        InsecureRegistryCIDRs: [
          '127.0.0.0/8',
          '::1/128',
          ...config.insecureRegistries.filter((r) => r.includes('/')),
        ],
        IndexConfigs: {
          'docker.io': { Name: 'docker.io', Mirrors: config.registryMirrors, Secure: true, Official: true },
        },
        Mirrors: config.registryMirrors,
      },
      GenericResources: null,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: config.experimental,
      ServerVersion: deps.version,
      Runtimes: runtimes,
      DefaultRuntime: config.defaultRuntime,
      Swarm: {
        NodeID: '',
        NodeAddr: '',
        LocalNodeState: 'inactive',
        ControlAvailable: false,
        Error: '',
        RemoteManagers: null,
      },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: '',
      ContainerdCommit: { ID: '' },
      RuncCommit: { ID: '' },
      InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: [],
    });
  });
}

function readFlag(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

function ipv4Forwarding(): boolean {
  return readFlag('/proc/sys/net/ipv4/ip_forward');
}

function swapAccounting(): boolean {
  try {
    readFileSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
    return true;
  } catch {
    return false;
  }
}
