// `berth image prune`: docker's prompt (unless -f), filters (-a lifts dangling=true), and its report
// ("Deleted Images:" with untagged:/deleted: lines, then "Total reclaimed space: ...").
import { images, runPruneCommand } from '../prune.js';
import type { Command } from '../command.js';

const DANGLING_WARNING =
  'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ';
const ALL_WARNING =
  'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] ';

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
  run: (cli, flags) =>
    runPruneCommand(cli, flags, flags.all ? ALL_WARNING : DANGLING_WARNING, images(flags.all === true)),
};
