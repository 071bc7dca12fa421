// `create <id>`: sets the container up to the exec fifo, as `runc create`.
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs, type FlagSpec } from '../cli-args.js';
import { createContainer } from '../lifecycle.js';
import { checkId } from '../state/store.js';

/** Flags shared by `create` and `run`. */
export const CREATE_FLAGS: FlagSpec[] = [
  { name: 'bundle', alias: 'b', type: 'string' },
  { name: 'console-socket', type: 'string' },
  { name: 'pid-file', type: 'string' },
  { name: 'no-pivot', type: 'bool' },
  { name: 'no-new-keyring', type: 'bool' },
  { name: 'preserve-fds', type: 'int' },
];

/** Runs `create`. */
export async function create(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, CREATE_FLAGS);
  expectArgs('create', args, 1);
  const id = checkId(args[0]);
  await createContainer(ctx, id, {
    bundle: (flags.bundle as string | undefined) ?? process.cwd(),
    pidFile: flags['pid-file'] as string | undefined,
    consoleSocket: flags['console-socket'] as string | undefined,
    preserveFds: (flags['preserve-fds'] as number | undefined) ?? 0,
    noPivot: flags['no-pivot'] === true,
    foreground: false,
  });
  return 0;
}
