// `berth ps` (docker/cli's container/list.go): -a, -q, -s, -n, -l, --filter, --format, --no-trunc.
import { BerthError } from '../../base/errors.js';
import type { Command } from '../command.js';
import { containerRow, PS_HEADERS, PS_TABLE, type ContainerSummary } from '../format/containers.js';
import { renderRows } from '../format/table.js';

/** `--filter key=value` flags as the API's filters JSON. */
export function filtersQuery(filters: string[]): string {
  const out: Record<string, string[]> = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new BerthError('InvalidArgument', `bad format of filter (expected name=value)`);
    (out[f.slice(0, eq).toLowerCase()] ??= []).push(f.slice(eq + 1));
  }
  return Object.keys(out).length ? `filters=${encodeURIComponent(JSON.stringify(out))}` : '';
}

/** `berth ps`. */
export const ps: Command = {
  name: 'ps',
  usage: 'berth ps [OPTIONS]',
  summary: 'List containers',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    { name: 'filter', short: 'f', kind: 'list', usage: 'Filter output based on conditions provided' },
    { name: 'format', kind: 'string', usage: 'Format output using a custom template' },
    {
      name: 'last',
      short: 'n',
      kind: 'int',
      usage: 'Show n last created containers (includes all states)',
      default: -1,
    },
    {
      name: 'latest',
      short: 'l',
      kind: 'bool',
      usage: 'Show the latest created container (includes all states)',
    },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display container IDs' },
    { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
  ],
  args: { min: 0, max: 0 },
  run: async (cli, v) => {
    const limit = v.latest ? 1 : ((v.last as number | undefined) ?? -1);
    const q = [
      v.all ? 'all=1' : '',
      limit > 0 ? `limit=${limit}` : '',
      v.size ? 'size=1' : '',
      filtersQuery((v.filter as string[] | undefined) ?? []),
    ].filter(Boolean);
    const list = await cli.client.json<ContainerSummary[]>(
      `/containers/json${q.length ? `?${q.join('&')}` : ''}`,
    );
    const trunc = v['no-trunc'] !== true;
    if (v.quiet) {
      cli.out(list.map((c) => `${trunc ? c.Id.slice(0, 12) : c.Id}\n`).join(''));
      return 0;
    }
    let format = (v.format as string | undefined) ?? 'table';
    if (format === 'table') format = PS_TABLE + (v.size ? '\t{{.Size}}' : '');
    cli.out(
      renderRows(
        format,
        list.map((c) => containerRow(c, { trunc })),
        PS_HEADERS,
      ),
    );
    return 0;
  },
};
