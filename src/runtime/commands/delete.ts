// `delete [--force] <id>`: destroys a stopped (or, forced, a running) container, as `runc delete`.
import { BerthError } from '../../base/errors.js';
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs } from '../cli-args.js';
import { destroyContainer, killAndWait } from '../lifecycle.js';
import { loadRecord, removeStateDir, statusOf } from '../state/store.js';

/** Runs `delete`. */
export async function del(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'force', alias: 'f', type: 'bool' }]);
  expectArgs('delete', args, 1);
  const id = args[0]!;
  const force = flags.force === true;
  let rec;
  try {
    rec = loadRecord(ctx.root, id);
  } catch (err) {
    // runc: a forced delete of something that is not (fully) there cleans up what it can and succeeds.
    if (
      force &&
      err instanceof BerthError &&
      (err.code === 'NotFound' || err.code === 'FailedPrecondition')
    ) {
      removeStateDir(ctx.root, id);
      return 0;
    }
    throw err;
  }
  const status = statusOf(ctx.root, rec);
  if ((status === 'running' || status === 'paused') && !force)
    throw new BerthError(
      'FailedPrecondition',
      `cannot delete container "${id}" that is not stopped: ${status}`,
    );
  // A created container has never run its program: deleting it kills its waiting process, as runc does.
  if (status !== 'stopped') await killAndWait(rec.pid, rec.cgroupPaths, rec.startTime);
  await destroyContainer(ctx, rec);
  return 0;
}
