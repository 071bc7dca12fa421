// `exec [options] <id> <command> [args...]` or `exec [options] --process FILE <id>`: runs a new process
// in a running container, as `runc exec` (runc-exec(8)). Attached, it exits with the process's status and
// passes signals on; with --detach it returns once the process is started. Errors exit 255, as runc's.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWriteFileSync } from '../../base/atomic-write.js';
import { BerthError, invalid, messageOf, wrap } from '../../base/errors.js';
import { writeErr } from '../../base/stdio.js';
import type { Process } from '../../oci/runtime-spec.js';
import type { CgroupPaths } from '../cgroups/index.js';
import { expectArgs, parseArgs, type FlagSpec } from '../cli-args.js';
import { logEntry, type RuntimeContext } from '../context.js';
import { launchInit, SignalForwarder, waitForeground } from '../init-process.js';
import { encodePlan } from '../plan/encode.js';
import { processFromFile, processFromFlags } from '../plan/exec-process.js';
import { buildExecPlan } from '../plan/exec.js';
import type { CgroupDir } from '../plan/build.js';
import { checkId, loadRecord, statusOf } from '../state/store.js';

const EXEC_FLAGS: FlagSpec[] = [
  { name: 'console-socket', type: 'string' },
  { name: 'cwd', type: 'string' },
  { name: 'env', alias: 'e', type: 'list' },
  { name: 'tty', alias: 't', type: 'bool' },
  { name: 'user', alias: 'u', type: 'string' },
  { name: 'additional-gids', alias: 'g', type: 'list' },
  { name: 'process', alias: 'p', type: 'string' },
  { name: 'detach', alias: 'd', type: 'bool' },
  { name: 'pid-file', type: 'string' },
  { name: 'process-label', type: 'string' },
  { name: 'apparmor', type: 'string' },
  { name: 'no-new-privs', type: 'bool' },
  { name: 'cap', alias: 'c', type: 'list' },
  { name: 'preserve-fds', type: 'int' },
  { name: 'cgroup', type: 'list' },
  { name: 'ignore-paused', type: 'bool' },
];

/** Flags that describe the process, and so cannot be combined with --process. */
const PROCESS_FLAGS = [
  'cwd',
  'env',
  'user',
  'additional-gids',
  'process-label',
  'apparmor',
  'no-new-privs',
  'cap',
];

/** Runs `exec`; its own errors exit 255 (runc-exec(8) "EXIT STATUS"), so that they differ from the process's. */
export async function exec(ctx: RuntimeContext, argv: string[]): Promise<number> {
  try {
    return await execProcess(ctx, argv);
  } catch (err) {
    // Ours and the system's (errno errors name their path) are reported; anything else is a bug.
    if (!(err instanceof BerthError) && !(err instanceof Error && 'syscall' in err)) throw err;
    const msg = `exec failed: ${messageOf(err)}`;
    logEntry(ctx, 'error', msg);
    writeErr(`runtime: ${msg}\n`);
    return 255;
  }
}

async function execProcess(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, EXEC_FLAGS, true);
  const processFile = flags.process as string | undefined;
  if (args[1] === '--') args.splice(1, 1);
  if (processFile !== undefined) {
    expectArgs('exec --process', args, 1);
    const mixed = PROCESS_FLAGS.find((f) => flags[f] !== undefined);
    if (mixed) throw invalid(`--${mixed}`, 'cannot be combined with --process');
  }
  const id = checkId(args[0]);
  const detach = flags.detach === true;
  const consoleSocket = flags['console-socket'] as string | undefined;
  const preserveFds = (flags['preserve-fds'] as number | undefined) ?? 0;
  if (preserveFds < 0) throw invalid('--preserve-fds', `must not be negative, got ${preserveFds}`);

  const rec = loadRecord(ctx.root, id);
  const status = statusOf(ctx.root, rec);
  if (status === 'stopped') throw new BerthError('FailedPrecondition', 'cannot exec in a stopped container');
  if (status === 'paused' && flags['ignore-paused'] !== true)
    throw new BerthError(
      'FailedPrecondition',
      'cannot exec in a paused container (use --ignore-paused to override)',
    );

  const proc = processFile
    ? readProcessFile(processFile, flags.tty === true)
    : processFromFlags(rec.spec.process!, {
        args: args.slice(1),
        cwd: flags.cwd as string | undefined,
        env: (flags.env as string[] | undefined) ?? [],
        tty: flags.tty === true,
        user: flags.user as string | undefined,
        additionalGids: (flags['additional-gids'] as string[] | undefined) ?? [],
        caps: (flags.cap as string[] | undefined) ?? [],
        noNewPrivs: flags['no-new-privs'] === true,
        apparmor: flags.apparmor as string | undefined,
        processLabel: flags['process-label'] as string | undefined,
      });
  checkTerminal(proc, detach, consoleSocket);
  checkSecurityLabels(proc, processFile !== undefined);

  const steps = buildExecPlan({
    spec: rec.spec,
    bundle: rec.bundle,
    pid: rec.pid,
    process: proc,
    cgroups: execCgroups(rec.cgroupPaths, (flags.cgroup as string[] | undefined) ?? []),
    consoleSocket: consoleSocket ? resolve(consoleSocket) : undefined,
    preserveFds,
    seccompCache: ctx.root,
  });
  const forwarder = detach ? undefined : new SignalForwarder();
  try {
    const init = launchInit(detach ? 'create' : 'run', encodePlan(steps), preserveFds);
    const pidFile = flags['pid-file'] as string | undefined;
    if (pidFile) {
      try {
        atomicWriteFileSync(resolve(pidFile), String(init.pid), 0o644, false);
      } catch (err) {
        if (!detach) process.kill(init.pid, 'SIGKILL');
        throw wrap(err, `--pid-file "${pidFile}"`);
      }
    }
    if (!forwarder) return 0;
    return await waitForeground(init, init.pid, forwarder);
  } finally {
    forwarder?.close();
  }
}

function readProcessFile(path: string, tty: boolean): Process {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw wrap(err, `--process "${path}"`);
  }
  const proc = processFromFile(path, text);
  // podman passes both process.terminal and --tty.
  if (tty) proc.terminal = true;
  return proc;
}

/** runc's rules (utils_linux.go checkTerminal): a detached terminal needs a socket to send it to. */
function checkTerminal(proc: Process, detach: boolean, consoleSocket: string | undefined): void {
  if (detach && proc.terminal && !consoleSocket)
    throw invalid('--tty', 'cannot allocate a terminal when detached without --console-socket');
  if (consoleSocket && (!detach || !proc.terminal))
    throw invalid('--console-socket', 'needs --detach and a terminal (--tty or process.terminal)');
}

/**
 * AppArmor profiles and SELinux labels are not applied by berth-runtime: asking for one fails rather than
 * running the process less confined than asked. Neither LSM is enabled on the hosts Berth runs on now.
 */
function checkSecurityLabels(proc: Process, fromFile: boolean): void {
  const field = (name: string, flag: string): string => (fromFile ? `process.${name}` : flag);
  if (proc.apparmorProfile) {
    const enabled = readFlag('/sys/module/apparmor/parameters/enabled') === 'Y';
    throw invalid(
      field('apparmorProfile', '--apparmor'),
      enabled
        ? `cannot apply AppArmor profile "${proc.apparmorProfile}": not supported by berth-runtime`
        : `AppArmor is not enabled on this host, cannot apply profile "${proc.apparmorProfile}"`,
    );
  }
  if (proc.selinuxLabel) {
    const enabled = existsSync('/sys/fs/selinux/enforce');
    throw invalid(
      field('selinuxLabel', '--process-label'),
      enabled
        ? `cannot apply SELinux label "${proc.selinuxLabel}": not supported by berth-runtime`
        : `SELinux is not enabled on this host, cannot apply label "${proc.selinuxLabel}"`,
    );
  }
}

function readFlag(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The cgroup directories the exec's process joins: the container's, or sub-cgroups of them named by
 * --cgroup (`path` for every hierarchy, or `ctrl[,ctrl...]:path` for some v1 ones), which must exist.
 */
export function execCgroups(paths: CgroupPaths, subs: readonly string[]): CgroupDir[] {
  const chosen: CgroupPaths = { ...paths };
  for (const sub of subs) {
    const colon = sub.indexOf(':');
    const controllers = colon >= 0 ? sub.slice(0, colon).split(',') : undefined;
    const rel = colon >= 0 ? sub.slice(colon + 1) : sub;
    if (rel === '' || rel.split('/').includes('..'))
      throw invalid('--cgroup', `"${sub}" is not a path inside the container's cgroup`);
    const keys = controllers
      ? controllers.map((c) => {
          const key = Object.keys(paths).find((k) => k.split(',').includes(c));
          if (key === undefined) throw invalid('--cgroup', `no "${c}" hierarchy for "${sub}"`);
          return key;
        })
      : Object.keys(paths);
    for (const key of keys) {
      const dir = join(paths[key]!, rel);
      if (!existsSync(dir)) throw invalid('--cgroup', `cgroup "${dir}" does not exist`);
      chosen[key] = dir;
    }
  }
  return Object.entries(chosen).map(([key, path]) => ({ path, version: key === '' ? 2 : 1 }));
}
