// `start <id>`: releases a created container into its program, as `runc start`.
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs } from '../cli-args.js';
import { startContainer } from '../lifecycle.js';

/** Runs `start`. */
export async function start(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { args } = parseArgs(argv, []);
  expectArgs('start', args, 1);
  startContainer(ctx, args[0]!);
  return 0;
}
