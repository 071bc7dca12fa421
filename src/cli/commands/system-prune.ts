// `berth system prune` (docker/cli's system/prune.go): stopped containers, unused networks, (with
// --volumes) unused anonymous volumes, and dangling images (-a: every image no container uses), each
// pruned through its own API route with the same filters, each report printed as its own prune command
// prints it, then the space reclaimed in all.
import type { Command } from '../command.js';
import { confirm } from '../confirm.js';
import { CONTAINERS, images, NETWORKS, prune, reclaimedLine, volumes } from '../prune.js';

function warning(all: boolean, withVolumes: boolean, filters: string[]): string {
  const what = [
    'all stopped containers',
    'all networks not used by at least one container',
    ...(withVolumes ? ['all anonymous volumes not used by at least one container'] : []),
    all ? 'all images without at least one container associated to them' : 'all dangling images',
  ];
  const filtered =
    filters.length === 0
      ? ''
      : `\n  Items to be pruned will be filtered with:\n${filters.map((f) => `  - ${f}\n`).join('')}`;
  return `WARNING! This will remove:\n${what.map((w) => `  - ${w}\n`).join('')}${filtered}\nAre you sure you want to continue? [y/N] `;
}

/** `berth system prune`. */
export const systemPrune: Command = {
  name: 'system prune',
  usage: 'berth system prune [OPTIONS]',
  summary: 'Remove unused data',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused images not just dangling ones' },
    { name: 'filter', kind: 'list', usage: 'Provide filter values (e.g. "label=<key>=<value>")' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
    { name: 'volumes', kind: 'bool', usage: 'Prune anonymous volumes' },
  ],
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const all = flags.all === true;
    const withVolumes = flags.volumes === true;
    const filters = (flags.filter as string[] | undefined) ?? [];
    if (!flags.force && !(await confirm(cli.out, warning(all, withVolumes, filters)))) return 0;
    let total = 0;
    for (const p of [CONTAINERS, NETWORKS, ...(withVolumes ? [volumes(false)] : []), images(all)]) {
      const { report, reclaimed } = await prune(cli.client, p, filters);
      total += reclaimed;
      if (report) cli.out(`${report}\n`);
    }
    cli.out(reclaimedLine(total));
    return 0;
  },
};
