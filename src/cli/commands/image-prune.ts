// `berth image prune`: docker's prompt (unless -f), filters (-a lifts dangling=true), and its report
// ("Deleted Images:" with untagged:/deleted: lines, then "Total reclaimed space: ...").
import { createInterface } from 'node:readline';
import { humanSize } from '../../base/human-units.js';
import type { Command } from '../command.js';
import { filtersQuery } from '../filter-flags.js';

const DANGLING_WARNING =
  'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ';
const ALL_WARNING =
  'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] ';

function confirm(out: (s: string) => void, question: string): Promise<boolean> {
  out(question);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^y(es)?$/i.test(line.trim()));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
  });
}

/** `berth image prune`. */
export const imagePrune: Command = {
  name: 'image prune',
  usage: 'berth image prune [OPTIONS]',
  summary: 'Remove unused images',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused images, not just dangling ones' },
    { name: 'filter', kind: 'list', usage: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const all = flags.all === true;
    if (!flags.force && !(await confirm(cli.out, all ? ALL_WARNING : DANGLING_WARNING))) return 0;
    const filters = filtersQuery(flags.filter as string[] | undefined, [
      ['dangling', all ? 'false' : 'true'],
    ]);
    const reply = await cli.client.call(
      'POST',
      `/images/prune?${new URLSearchParams({ filters: filters! })}`,
    );
    const report = JSON.parse(reply.body.toString('utf8')) as {
      ImagesDeleted: { Untagged?: string; Deleted?: string }[] | null;
      SpaceReclaimed: number;
    };
    let output = '';
    if ((report.ImagesDeleted ?? []).length > 0) {
      output = 'Deleted Images:\n';
      for (const item of report.ImagesDeleted ?? []) {
        if (item.Untagged) output += `untagged: ${item.Untagged}\n`;
        if (item.Deleted) output += `deleted: ${item.Deleted}\n`;
      }
      output += '\n';
    }
    cli.out(`${output}Total reclaimed space: ${humanSize(report.SpaceReclaimed, 4)}\n`);
    return 0;
  },
};
