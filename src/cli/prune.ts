// The prune commands' common part (docker/cli's container, image, network, volume and system prune):
// each asks (unless -f), posts its filters to POST /<objects>/prune, and prints the report as docker does —
// the deleted objects under a title, a blank line, then the space reclaimed (networks have no size).
import { humanSize } from '../base/human-units.js';
import type { Client } from './client.js';
import type { CliContext } from './command.js';
import { confirm } from './confirm.js';
import { filtersQuery } from './filter-flags.js';

/** One prune route: its path, filters it always adds, and how its report reads. */
export interface Pruner {
  path: string;
  extra?: [string, string][];
  /** Whether the report has a size (every prune but networks'). */
  sized: boolean;
  report(body: Record<string, unknown>): string;
}

function listed(title: string, items: unknown): string {
  const list = (items as string[] | null | undefined) ?? [];
  return list.length === 0 ? '' : `${title}:\n${list.map((i) => `${i}\n`).join('')}`;
}

/** Stopped containers. */
export const CONTAINERS: Pruner = {
  path: '/containers/prune',
  sized: true,
  report: (b) => listed('Deleted Containers', b.ContainersDeleted),
};

/** Networks no container uses. */
export const NETWORKS: Pruner = {
  path: '/networks/prune',
  sized: false,
  report: (b) => listed('Deleted Networks', b.NetworksDeleted),
};

/** Unused volumes: anonymous ones, or (`all`) named ones too (API 1.42's all filter). */
export function volumes(all: boolean): Pruner {
  return {
    path: '/volumes/prune',
    ...(all ? { extra: [['all', 'true']] as [string, string][] } : {}),
    sized: true,
    report: (b) => listed('Deleted Volumes', b.VolumesDeleted),
  };
}

/** Dangling images, or (`all`) every image no container uses. */
export function images(all: boolean): Pruner {
  return {
    path: '/images/prune',
    extra: [['dangling', all ? 'false' : 'true']],
    sized: true,
    report: (b) => {
      const items = (b.ImagesDeleted as { Untagged?: string; Deleted?: string }[] | null) ?? [];
      const lines = items.flatMap((i) => [
        ...(i.Untagged ? [`untagged: ${i.Untagged}`] : []),
        ...(i.Deleted ? [`deleted: ${i.Deleted}`] : []),
      ]);
      return lines.length === 0 ? '' : `Deleted Images:\n${lines.map((l) => `${l}\n`).join('')}`;
    },
  };
}

/** Runs one prune route with `filters`; the report text (empty when nothing went) and bytes reclaimed. */
export async function prune(
  client: Client,
  p: Pruner,
  filters: string[],
): Promise<{ report: string; reclaimed: number }> {
  const json = filtersQuery(filters, p.extra);
  const query = json === undefined ? '' : `?${new URLSearchParams({ filters: json })}`;
  const body = JSON.parse((await client.call('POST', `${p.path}${query}`)).body.toString('utf8')) as Record<
    string,
    unknown
  >;
  return { report: p.report(body), reclaimed: Number(body.SpaceReclaimed ?? 0) };
}

/** The space reclaimed line (units.HumanSize: four significant digits). */
export function reclaimedLine(bytes: number): string {
  return `Total reclaimed space: ${humanSize(bytes, 4)}\n`;
}

/** A single prune command: `warning` unless --force, then the prune and its report. */
export async function runPruneCommand(
  cli: CliContext,
  flags: Record<string, unknown>,
  warning: string,
  p: Pruner,
): Promise<number> {
  if (!flags.force && !(await confirm(cli.out, warning))) return 0;
  const { report, reclaimed } = await prune(cli.client, p, (flags.filter as string[] | undefined) ?? []);
  if (report) cli.out(`${report}\n`);
  if (p.sized) cli.out(reclaimedLine(reclaimed));
  return 0;
}
