// `resume <id>`: thaws a paused container, as `runc resume` (runc-resume.8); a container that is not
// paused is "container not paused" (runc's ErrNotPaused).
import { BerthError } from '../../base/errors.js';
import { thawCgroups } from '../cgroups/index.js';
import { expectArgs, parseArgs } from '../cli-args.js';
import type { RuntimeContext } from '../context.js';
import { loadRecord, statusOf } from '../state/store.js';

/** Runs `resume`. */
export async function resume(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { args } = parseArgs(argv, []);
  expectArgs('resume', args, 1);
  const rec = loadRecord(ctx.root, args[0]!);
  if (statusOf(ctx.root, rec) !== 'paused')
    throw new BerthError('FailedPrecondition', 'container not paused');
  thawCgroups(rec.cgroupPaths);
  return 0;
}
