// The shim manager's terms. A *shim* is one berth-shim process monitoring one container; its *directory*
// (<root>/<id>/, native/shim/PROTOCOL.md "Directory") holds everything that outlives the daemon: the
// shim's pid, its attach socket, the container's pid, the exit file, and the manager's own record.
//
// Lifecycle:   create ──> created ──start──> running ──(exit)──> exited ──delete──> (gone)
//                              └──────────signal/stop────────────┘
// `create` returns once the shim reports the container's pid (the program waits on its exec fifo, or
// `runtime start`); `start` lets it run; `wait` resolves with the exit record; `delete` removes what is
// left (runtime state, cgroups, the directory). A daemon that dies between any two of these steps loses
// nothing: `adopt` on the next start finds every shim again from its directory.
//
// Example:
//   const m = new ShimManager({ root: '/run/berth/shims' });
//   await m.create({ id: 'c1', bundle, runtime: { kind: 'builtin' },
//                    log: { path: '/var/log/c1.log', format: 'json-file' } });
//   await m.start('c1');
//   const exit = await m.wait('c1');   // { exitCode: 0, signal: 0, oomKilled: false, ... }
//   await m.delete('c1');

/** How the container is created: berth-init with a plan computed here, or an OCI runtime binary. */
export type ShimRuntime =
  | { kind: 'builtin' }
  | {
      kind: 'oci';
      /** Absolute path of a runc-compatible binary (berth-runtime, runc, crun). */
      path: string;
      /** Its --root. */
      root?: string;
      /** More global flags, placed before the subcommand (e.g. `--systemd-cgroup`). */
      args?: string[];
    };

/** Where and how the container's output is logged. */
export interface LogOptions {
  /** Absolute path of the log file; its directory must exist. */
  path: string;
  /** `cri` (specs/cri/log-format.md) or Docker's `json-file`. */
  format: 'cri' | 'json-file';
  /** Rotate before the file would grow past this many bytes (0 or absent: never). */
  maxSize?: number;
  /** Files kept when rotating, the live one included (default 1: the file is truncated). */
  maxFiles?: number;
  /** Longer lines are split into partial records of this many bytes (default 16384). */
  maxLine?: number;
}

/** What `create` needs. */
export interface CreateOptions {
  id: string;
  /** The bundle: config.json and (usually) rootfs. process.terminal decides whether there is a pty. */
  bundle: string;
  runtime: ShimRuntime;
  /** Give the container a stdin pipe (or, with a terminal, let attachers type); otherwise /dev/null. */
  stdin?: boolean;
  /** Close the container's stdin when the first attacher that took stdin detaches (docker run -i). */
  stdinOnce?: boolean;
  log?: LogOptions;
}

/** The exit file (PROTOCOL.md "Exit file"). */
export interface ExitStatus {
  pid: number;
  /** The exit code, or 128 + the signal that ended it. */
  exitCode: number;
  /** The terminating signal, 0 when it exited. */
  signal: number;
  oomKilled: boolean;
  /** RFC 3339 time of the reap. */
  exitedAt: string;
  /** Log records a failed write lost. */
  logDropped: number;
}

/** `<dir>/shim.json`: what the manager must know about a shim after a restart. */
export interface ShimRecord {
  id: string;
  bundle: string;
  runtime: ShimRuntime;
  terminal: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  log?: LogOptions;
  /** Built-in path: the cgroups prepareContainer made, removed at delete. */
  cgroupPaths?: Record<string, string>;
  shimPid: number;
  pid: number;
  created: string;
  /** Set once `start` has succeeded (an exec runs from its creation). */
  started: boolean;
  /** An exec held on its exec.fifo until `start` (built-in path, ExecOptions.hold). */
  held?: boolean;
  /** For an exec shim: the container it runs in and its exec id (the shim's key is `<parent>/<execId>`). */
  exec?: { parent: string; execId: string };
}

/** Where a shim's container is. `lost`: the shim died without writing an exit file. */
export type ShimStatus = 'created' | 'running' | 'exited' | 'lost';

/** A shim as `state` and `adopt` see it. */
export interface ShimState {
  /** The shim's key: the container id, or `<id>/<execId>` for an exec. */
  id: string;
  status: ShimStatus;
  record: ShimRecord;
  exit?: ExitStatus;
}
