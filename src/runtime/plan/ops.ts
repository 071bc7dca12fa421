// The plan's steps, as native/init/PLAN.md defines them. Keep both in step: the numbers are the wire.

/** One step of a container's plan; `op` numbers are the wire values of native/init/PLAN.md. */
export type Step =
  | { op: 'CLONE'; flags: bigint }
  | { op: 'JOIN_NS'; nstype: number; path: string }
  | { op: 'UID_MAP'; content: string }
  | { op: 'GID_MAP'; content: string }
  | { op: 'CGROUP_V1'; path: string }
  | { op: 'CGROUP_V2'; path: string }
  | { op: 'FIFO_DIR'; path: string }
  | { op: 'CONSOLE_SOCKET'; path: string }
  | { op: 'PROCESS'; argv: string[]; env: string[]; preserveFds: number }
  | { op: 'UNSHARE'; flags: bigint }
  | { op: 'HOSTNAME'; name: string }
  | { op: 'DOMAINNAME'; name: string }
  | { op: 'OOM_SCORE_ADJ'; value: number }
  | { op: 'ROOTFS'; hostPath: string; rootPropagation: bigint }
  | {
      op: 'MOUNT';
      source: string;
      dest: string;
      fstype: string;
      flags: bigint;
      data: string;
      kind: number;
      propagation: bigint;
    }
  | { op: 'MKDIR'; path: string; mode: number }
  | { op: 'SYMLINK'; target: string; path: string }
  | { op: 'MKNOD'; path: string; mode: number; dev: bigint; uid: number; gid: number }
  | { op: 'PIVOT'; noPivot: boolean }
  | { op: 'PROPAGATE'; path: string; flags: bigint }
  | { op: 'MASK'; path: string }
  | { op: 'READONLY'; path: string }
  | { op: 'REMOUNT'; path: string; flags: bigint }
  | { op: 'SYSCTL'; key: string; value: string }
  | { op: 'TERMINAL'; rows: number; cols: number }
  | { op: 'RLIMIT'; resource: number; soft: bigint; hard: bigint }
  | {
      op: 'CREDS';
      uid: number;
      gid: number;
      groups: number[];
      bounding: bigint;
      effective: bigint;
      permitted: bigint;
      inheritable: bigint;
      ambient: bigint;
    }
  | { op: 'UMASK'; mask: number }
  | { op: 'CWD'; path: string }
  | { op: 'NO_NEW_PRIVS' }
  | { op: 'SECCOMP'; flags: number; filter: Buffer }
  | { op: 'LOOKUP' }
  | { op: 'READY' }
  | { op: 'FIFO_WAIT' }
  | { op: 'EXEC' }
  | ({ op: 'RUNTIME_HOOK' } & HookCall)
  | { op: 'RUNTIME_HOOKS' }
  | ({ op: 'HOOK' } & HookCall);

/**
 * One hook as berth-init runs it: `label` names it in errors (`createRuntime hook #0`), `args` is the whole
 * argv (empty: just the path), `env` the whole environment, `timeout` in seconds (0: none). Its stdin is
 * `stateHead` + the container's pid + `stateTail`: the pid is only known once the container process exists.
 */
export interface HookCall {
  label: string;
  path: string;
  args: string[];
  env: string[];
  timeout: number;
  /** Where the hook starts ('' leaves the caller's). */
  cwd: string;
  stateHead: string;
  stateTail: string;
}

/** Wire numbers of each step. */
export const OP_CODES: Record<Step['op'], number> = {
  CLONE: 1,
  JOIN_NS: 2,
  UID_MAP: 3,
  GID_MAP: 4,
  CGROUP_V1: 5,
  FIFO_DIR: 6,
  CONSOLE_SOCKET: 7,
  PROCESS: 8,
  CGROUP_V2: 9,
  RUNTIME_HOOK: 10,
  UNSHARE: 20,
  HOSTNAME: 21,
  DOMAINNAME: 22,
  OOM_SCORE_ADJ: 23,
  ROOTFS: 24,
  MOUNT: 25,
  MKDIR: 26,
  SYMLINK: 27,
  MKNOD: 28,
  PIVOT: 29,
  PROPAGATE: 30,
  MASK: 31,
  READONLY: 32,
  REMOUNT: 33,
  SYSCTL: 34,
  TERMINAL: 35,
  RLIMIT: 36,
  CREDS: 37,
  UMASK: 38,
  CWD: 39,
  NO_NEW_PRIVS: 40,
  SECCOMP: 41,
  LOOKUP: 42,
  READY: 43,
  FIFO_WAIT: 44,
  EXEC: 45,
  RUNTIME_HOOKS: 46,
  HOOK: 47,
};

/** MOUNT kind bits. */
export const MountKind = { BIND: 1, FILE: 2, REMOUNT: 4, SOURCE_IN_ROOT: 8 } as const;
