// `pause <id>`: freezes every process of the container, as `runc pause` (runc-pause.8). A created or
// running container can be paused; anything else is "container not running" (runc's ErrNotRunning).
import { BerthError } from '../../base/errors.js';
import { freezeCgroups } from '../cgroups/index.js';
import { expectArgs, parseArgs } from '../cli-args.js';
import type { RuntimeContext } from '../context.js';
import { loadRecord, statusOf } from '../state/store.js';

/** Runs `pause`. */
export async function pause(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { args } = parseArgs(argv, []);
  expectArgs('pause', args, 1);
  const rec = loadRecord(ctx.root, args[0]!);
  const status = statusOf(ctx.root, rec);
  if (status !== 'running' && status !== 'created')
    throw new BerthError('FailedPrecondition', 'container not running');
  freezeCgroups(rec.cgroupPaths);
  return 0;
}
