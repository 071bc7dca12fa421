// `run <id>`: create + start; attached, it waits and exits with the container's status, then deletes it.
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs, type FlagSpec } from '../cli-args.js';
import { createContainer, destroyContainer, killAndWait, startContainer } from '../lifecycle.js';
import { checkId } from '../state/store.js';
import { CREATE_FLAGS } from './create.js';

const RUN_FLAGS: FlagSpec[] = [
  ...CREATE_FLAGS,
  { name: 'detach', alias: 'd', type: 'bool' },
  { name: 'keep', type: 'bool' },
  { name: 'no-subreaper', type: 'bool' },
];

const FORWARDED: NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
];

/** Runs `run`. */
export async function run(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, RUN_FLAGS);
  expectArgs('run', args, 1);
  const id = checkId(args[0]);
  const detach = flags.detach === true;
  const { rec, init } = await createContainer(ctx, id, {
    bundle: (flags.bundle as string | undefined) ?? process.cwd(),
    pidFile: flags['pid-file'] as string | undefined,
    consoleSocket: flags['console-socket'] as string | undefined,
    preserveFds: (flags['preserve-fds'] as number | undefined) ?? 0,
    noPivot: flags['no-pivot'] === true,
    foreground: !detach,
  });
  try {
    startContainer(ctx, id);
  } catch (err) {
    await killAndWait(rec.pid, rec.cgroupPaths, rec.startTime);
    await destroyContainer(ctx, rec);
    throw err;
  }
  if (detach) return 0;

  // berth-init sits in its own session, so each signal arrives once, here: pass it on. SIGWINCH goes to
  // berth-init, which owns the terminal proxy; the rest go to the container.
  const forward = (sig: NodeJS.Signals): void => {
    try {
      process.kill(sig === 'SIGWINCH' ? init.initPid : rec.pid, sig);
    } catch {
      // the container is already gone
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  const status = await init.exited;
  for (const sig of FORWARDED) process.off(sig, forward);
  if (flags.keep !== true) {
    await killAndWait(rec.pid, rec.cgroupPaths, rec.startTime);
    await destroyContainer(ctx, rec);
  }
  return status;
}
