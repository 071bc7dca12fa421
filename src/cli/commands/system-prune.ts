// `berth system prune` (docker/cli's system/prune.go): stopped containers, unused networks, (with
// --volumes) unused anonymous volumes, and dangling images (-a: every image no container uses), each
// pruned through its own API route with the same filters, each report printed as its own prune command
// prints it, then the space reclaimed in all.
import { humanSize } from '../../base/human-units.js';
import type { Client } from '../client.js';
import type { Command } from '../command.js';
import { confirm } from '../confirm.js';
import { filtersQuery } from '../filter-flags.js';

/** One prune route: its path, extra filters, and how its report reads. */
interface Pruner {
  path: string;
  extra?: [string, string][];
  report(body: Record<string, unknown>): string;
}

function listed(title: string, items: unknown): string {
  const list = (items as string[] | null | undefined) ?? [];
  return list.length === 0 ? '' : `${title}:\n${list.map((i) => `${i}\n`).join('')}`;
}

const VOLUME_PRUNER: Pruner = {
  path: '/volumes/prune',
  report: (b) => listed('Deleted Volumes', b.VolumesDeleted),
};

function pruners(all: boolean, volumes: boolean): Pruner[] {
  return [
    { path: '/containers/prune', report: (b) => listed('Deleted Containers', b.ContainersDeleted) },
    { path: '/networks/prune', report: (b) => listed('Deleted Networks', b.NetworksDeleted) },
    ...(volumes ? [VOLUME_PRUNER] : []),
    {
      path: '/images/prune',
      extra: [['dangling', all ? 'false' : 'true']],
      report: (b) => {
        const items = (b.ImagesDeleted as { Untagged?: string; Deleted?: string }[] | null) ?? [];
        if (items.length === 0) return '';
        const lines = items.flatMap((i) => [
          ...(i.Untagged ? [`untagged: ${i.Untagged}`] : []),
          ...(i.Deleted ? [`deleted: ${i.Deleted}`] : []),
        ]);
        return `Deleted Images:\n${lines.map((l) => `${l}\n`).join('')}`;
      },
    },
  ];
}

function warning(all: boolean, volumes: boolean, filters: string[]): string {
  const what = [
    'all stopped containers',
    'all networks not used by at least one container',
    ...(volumes ? ['all anonymous volumes not used by at least one container'] : []),
    all ? 'all images without at least one container associated to them' : 'all dangling images',
  ];
  const filtered =
    filters.length === 0
      ? ''
      : `\n  Items to be pruned will be filtered with:\n${filters.map((f) => `  - ${f}\n`).join('')}`;
  return `WARNING! This will remove:\n${what.map((w) => `  - ${w}\n`).join('')}${filtered}\nAre you sure you want to continue? [y/N] `;
}

async function prune(client: Client, p: Pruner, filters: string[]): Promise<Record<string, unknown>> {
  const json = filtersQuery(filters, p.extra);
  const query = json === undefined ? '' : `?${new URLSearchParams({ filters: json })}`;
  return JSON.parse((await client.call('POST', `${p.path}${query}`)).body.toString('utf8')) as Record<
    string,
    unknown
  >;
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
    const volumes = flags.volumes === true;
    const filters = (flags.filter as string[] | undefined) ?? [];
    if (!flags.force && !(await confirm(cli.out, warning(all, volumes, filters)))) return 0;
    let reclaimed = 0;
    for (const p of pruners(all, volumes)) {
      const body = await prune(cli.client, p, filters);
      reclaimed += Number(body.SpaceReclaimed ?? 0);
      const report = p.report(body);
      if (report) cli.out(`${report}\n`);
    }
    cli.out(`Total reclaimed space: ${humanSize(reclaimed, 4)}\n`);
    return 0;
  },
};
