// `list`: the containers under --root, as a table or JSON, as `runc list`.
import type { RuntimeContext } from '../context.js';
import { parseArgs } from '../cli-args.js';
import { listIds, loadRecord, ociState } from '../state/store.js';
import { writeOut } from '../../base/stdio.js';
import { tabwrite } from '../../base/tabwriter.js';

/** Lays out rows as runc does: Go's tabwriter with minwidth 12 and padding 3; the last column is free. */
export function tabulate(rows: string[][]): string {
  return tabwrite(rows.map((r) => r.join('\t') + '\n').join(''), 12, 3);
}

/** Runs `list`. */
export async function list(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, [
    { name: 'format', alias: 'f', type: 'string' },
    { name: 'quiet', alias: 'q', type: 'bool' },
  ]);
  const states = [];
  for (const id of listIds(ctx.root)) {
    try {
      states.push(ociState(ctx.root, loadRecord(ctx.root, id)));
    } catch {
      // still being created, or removed while we looked
    }
  }
  if (flags.quiet) {
    writeOut(states.map((s) => s.id + '\n').join(''));
    return 0;
  }
  if (flags.format === 'json') {
    // runc prints Go's encoding of an empty slice: null.
    writeOut((states.length ? JSON.stringify(states) : 'null') + '\n');
    return 0;
  }
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const s of states) rows.push([s.id, String(s.pid ?? 0), s.status, s.bundle, s.created, s.owner]);
  writeOut(tabulate(rows));
  return 0;
}
