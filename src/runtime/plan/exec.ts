// Builds the plan of `exec`: a new process in a running container. It joins every namespace of the
// container through /proc/<pid>/ns/* (the user namespace first), enters its cgroups, and then runs the
// process steps of the container's own plan (rlimits, no_new_privs, seccomp, capabilities and user, umask,
// cwd, terminal) for the exec's process. Those steps come from buildPlan itself, so whatever the container
// applies to its process, and in which order, an exec applies too; EXEC_KEEPS makes tsc ask, for every op
// anyone adds, whether an exec runs it.
//
// There is no ROOTFS, mount or PIVOT step: setns(CLONE_NEWNS) already puts the process at the root of the
// container's mount namespace, root and cwd both (setns(2)), so the runtime's cwd never reaches it
// (CVE-2024-21626). CLONE with no flags forks after the setns calls, which joining a pid namespace needs.
import { NAMESPACE_FLAGS } from '../../oci/linux.js';
import type { Process, Spec } from '../../oci/runtime-spec.js';
import { buildPlan, type CgroupDir } from './build.js';
import type { Step } from './ops.js';

/** Everything an exec's plan depends on. */
export interface ExecPlanInput {
  /** The container's config as recorded at create. */
  spec: Spec;
  /** The container's bundle directory. */
  bundle: string;
  /** The container's init process (host pid), whose namespaces are joined. */
  pid: number;
  /** The exec's process (from --process or from the flags). */
  process: Process;
  /** The container's cgroup directories. */
  cgroups: CgroupDir[];
  consoleSocket?: string;
  preserveFds: number;
  /** Where compiled seccomp programs are kept (PlanInput.seccompCache). */
  seccompCache?: string;
}

/** Names of the /proc/<pid>/ns files for config.json's namespace types (namespaces(7)). */
export const NS_FILES: Record<string, string> = {
  user: 'user',
  mount: 'mnt',
  pid: 'pid',
  network: 'net',
  ipc: 'ipc',
  uts: 'uts',
  cgroup: 'cgroup',
  time: 'time',
};

/**
 * Whether an exec's process runs each op of its container's plan. Parent-side records and the container's
 * environment (mounts, hostname, sysctls: already made, shared through the joined namespaces) are not
 * copied; exec makes its own parent-side records. The exec fifo belongs to `start` alone.
 */
const EXEC_KEEPS: Record<Step['op'], boolean> = {
  CLONE: false,
  JOIN_NS: false,
  UID_MAP: false,
  GID_MAP: false,
  CGROUP_V1: false,
  CGROUP_V2: false,
  FIFO_DIR: false,
  CONSOLE_SOCKET: false,
  PROCESS: false,
  UNSHARE: false,
  HOSTNAME: false,
  DOMAINNAME: false,
  OOM_SCORE_ADJ: true,
  ROOTFS: false,
  MOUNT: false,
  MKDIR: false,
  SYMLINK: false,
  MKNOD: false,
  PIVOT: false,
  PROPAGATE: false,
  MASK: false,
  READONLY: false,
  REMOUNT: false,
  SYSCTL: false,
  TERMINAL: true,
  RLIMIT: true,
  CREDS: true,
  UMASK: true,
  CWD: true,
  NO_NEW_PRIVS: true,
  SECCOMP: true,
  LOOKUP: true,
  READY: true,
  FIFO_WAIT: false,
  EXEC: true,
  // The container's hooks belong to its lifecycle, not to an exec (config.md has no exec hooks).
  RUNTIME_HOOK: false,
  RUNTIME_HOOKS: false,
  HOOK: false,
};

/** The steps of an exec into the container whose init is `input.pid`. */
export function buildExecPlan(input: ExecPlanInput): Step[] {
  const { spec, pid } = input;
  const namespaces = spec.linux?.namespaces ?? [];
  const steps: Step[] = [];
  // The user namespace first: the others belong to it, and are joined with its privileges.
  const ordered = [...namespaces].sort((a, b) => Number(b.type === 'user') - Number(a.type === 'user'));
  for (const ns of ordered)
    steps.push({
      op: 'JOIN_NS',
      nstype: Number(NAMESPACE_FLAGS[ns.type]),
      path: `/proc/${pid}/ns/${NS_FILES[ns.type]}`,
    });
  steps.push({ op: 'CLONE', flags: 0n });
  for (const { path, version } of input.cgroups)
    steps.push({ op: version === 2 ? 'CGROUP_V2' : 'CGROUP_V1', path });
  if (input.consoleSocket) steps.push({ op: 'CONSOLE_SOCKET', path: input.consoleSocket });
  const process = input.process;
  steps.push({ op: 'PROCESS', argv: process.args!, env: process.env ?? [], preserveFds: input.preserveFds });

  const containerPlan = buildPlan({
    spec: { ...spec, process },
    bundle: input.bundle,
    stateDir: '/nonexistent',
    preserveFds: input.preserveFds,
    noPivot: false,
    cgroups: [],
    cgroupMounts: [],
    isDirectory: () => true,
    seccompCache: input.seccompCache,
  });
  steps.push(...containerPlan.filter((s) => EXEC_KEEPS[s.op]));
  return steps;
}
