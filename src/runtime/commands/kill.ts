// `kill <id> [signal]`: signals the container's process (SIGTERM by default), as `runc kill`.
import { BerthError } from '../../base/errors.js';
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs } from '../cli-args.js';
import { signalContainer } from '../lifecycle.js';
import { parseSignal } from '../signals.js';
import { loadRecord, statusOf } from '../state/store.js';

/** Runs `kill`. */
export async function kill(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'all', alias: 'a', type: 'bool' }]);
  expectArgs('kill', args, 1, 2);
  const signal = parseSignal(args[1] ?? 'SIGTERM');
  const rec = loadRecord(ctx.root, args[0]!);
  if (statusOf(ctx.root, rec) === 'stopped')
    throw new BerthError('FailedPrecondition', 'container not running');
  signalContainer(rec, signal, flags.all === true);
  return 0;
}
