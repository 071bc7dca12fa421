// The container service's terms. A *container* is a metadata record (namespace `moby`, SCHEMA.md
// "Containers") plus, while it runs, one berth-shim (src/daemon/shim-client) keyed by its *shim key*
// (the id's first 16 hex digits: unix socket paths under the shim root must stay short). Its *bundle*
// is <root>/containers/<id>/: config.json, hostname, hosts, resolv.conf, <id>-json.log, and rootfs/,
// where its active snapshot (key = the id) is mounted from create to remove.
//
// Lifecycle (states.ts holds the legal moves):
//   create ──> created ──start──> running ──(exit)──> exited ──start──> running ...
//                                  │  ↑                  │
//                        pause ────┘  └── unpause       restart policy: restarting ──> running
//   remove: any state but running/paused (or -f: killed first) ──> gone (snapshot, bundle, shim, row)
//
// A run is one shim: start creates it, the exit is recorded from it (DB: state, exit code, times) and
// then the shim is deleted, so a stopped container holds no shim, no cgroup and no process. A daemon
// that dies loses nothing: every fact is in the DB or in a shim directory, and recover.ts reconciles the
// two at the next start (ShimManager.adopt).
import type { HealthConfig } from '../../../../api/docker/container.js';
import type { ShimRuntime } from '../../shim-client/index.js';
import type { NetworkPlan } from '../networks/index.js';

/** One mount as inspect's `Mounts` reports it (swagger MountPoint). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** One health check run (swagger HealthcheckResult). */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** swagger Health. */
export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

/** What the service keeps about a container besides the record's own columns (extensions.berth). */
export interface ContainerData {
  /** The image ID (config digest). */
  imageId: string;
  shimKey: string;
  bundle: string;
  rootfs: string;
  /** The runtime the shim runs (resolved from the runtime name at create). */
  shimRuntime: ShimRuntime;
  /** The process as inspect reports it (Path, Args). */
  path: string;
  args: string[];
  mounts: MountPoint[];
  /** docker stop/kill by a user: no restart by policy until started again (dockerd's HasBeenManuallyStopped). */
  manuallyStopped: boolean;
  /** Set while create is under way: a daemon that dies then leaves a half-made container to clean up. */
  creating?: boolean;
  health?: HealthState;
  /** The healthcheck in force (image's merged with the request's), if any. */
  healthcheck?: HealthConfig;
  /** The networking create decided, changed by network connect/disconnect (networking.ts). */
  network?: NetworkPlan;
  /** Why the last start failed, for `State.Error`. */
  startError?: string;
}

/** The extension name under which ContainerData is kept in the record. */
export const DATA_KEY = 'berth';
