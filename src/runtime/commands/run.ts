// `run <id>`: create + start; attached, it waits and exits with the container's status, then deletes it.
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs, type FlagSpec } from '../cli-args.js';
import { SignalForwarder, waitForeground } from '../init-process.js';
import { createContainer, destroyContainer, killAndWait, startContainer } from '../lifecycle.js';
import { checkId } from '../state/store.js';
import { CREATE_FLAGS } from './create.js';

const RUN_FLAGS: FlagSpec[] = [
  ...CREATE_FLAGS,
  { name: 'detach', alias: 'd', type: 'bool' },
  { name: 'keep', type: 'bool' },
  { name: 'no-subreaper', type: 'bool' },
];

/** Runs `run`. */
export async function run(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, RUN_FLAGS);
  expectArgs('run', args, 1);
  const id = checkId(args[0]);
  const detach = flags.detach === true;
  const forwarder = detach ? undefined : new SignalForwarder();
  try {
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
    if (!forwarder) return 0;

    const status = await waitForeground(init, rec.pid, forwarder);
    if (flags.keep !== true) {
      await killAndWait(rec.pid, rec.cgroupPaths, rec.startTime);
      await destroyContainer(ctx, rec);
    }
    return status;
  } finally {
    forwarder?.close();
  }
}
