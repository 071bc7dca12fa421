// `state <id>`: the OCI state JSON, as `runc state`.
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs } from '../cli-args.js';
import { loadRecord, ociState } from '../state/store.js';
import { writeOut } from '../../base/stdio.js';

/** Runs `state`. */
export async function state(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { args } = parseArgs(argv, []);
  expectArgs('state', args, 1);
  const rec = loadRecord(ctx.root, args[0]!);
  writeOut(JSON.stringify(ociState(ctx.root, rec), null, 2) + '\n');
  return 0;
}
