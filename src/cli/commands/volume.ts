// `berth volume create|ls|inspect|rm|prune`: docker's flags, output and exit codes (docker/cli
// cli/command/volume). Everything goes through the API's /volumes routes.
import { runPruneCommand, volumes } from '../prune.js';
import type { Command } from '../command.js';
import { filtersQuery } from '../filter-flags.js';
import { renderRows, type Row } from '../format/table.js';
import { forEachRef, inspectObjects } from '../inspect-objects.js';
import { keyValues } from '../opts/container.js';

interface VolumeSummary {
  Name: string;
  Driver: string;
  Scope: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
}

const list = (v: unknown): string[] => (v as string[] | undefined) ?? [];

/** `berth volume create`. */
export const volumeCreate: Command = {
  name: 'volume create',
  usage: 'berth volume create [OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  flags: [
    { name: 'driver', short: 'd', kind: 'string', usage: 'Specify volume driver name', default: 'local' },
    { name: 'label', kind: 'list', usage: 'Set metadata for a volume' },
    { name: 'opt', short: 'o', kind: 'list', usage: 'Set driver specific options' },
    { name: 'name', kind: 'string', usage: 'Specify volume name' },
  ],
  args: { min: 0, max: 1 },
  async run(cli, flags, args) {
    const reply = await cli.client.call('POST', '/volumes/create', {
      Name: args[0] ?? (flags.name as string | undefined) ?? '',
      Driver: (flags.driver as string | undefined) ?? 'local',
      DriverOpts: keyValues(list(flags.opt), 'opt'),
      Labels: keyValues(list(flags.label), 'label'),
    });
    cli.out(`${(JSON.parse(reply.body.toString('utf8')) as { Name: string }).Name}\n`);
    return 0;
  },
};

const LS_TABLE = 'table {{.Driver}}\t{{.Name}}';
const LS_HEADERS = {
  Name: 'VOLUME NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
};

/** `berth volume ls`. */
export const volumeLs: Command = {
  name: 'volume ls',
  usage: 'berth volume ls [OPTIONS]',
  summary: 'List volumes',
  flags: [
    { name: 'filter', short: 'f', kind: 'list', usage: "Provide filter values (e.g. 'dangling=true')" },
    { name: 'format', kind: 'string', usage: 'Format output using a custom template' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display volume names' },
  ],
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const filters = filtersQuery(list(flags.filter));
    const reply = await cli.client.json<{ Volumes: VolumeSummary[] | null }>(
      `/volumes${filters ? `?${new URLSearchParams({ filters })}` : ''}`,
    );
    const volumes = (reply.Volumes ?? []).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    const rows: Row[] = volumes.map((v) => ({
      context: {
        Name: v.Name,
        Driver: v.Driver,
        Scope: v.Scope,
        Mountpoint: v.Mountpoint,
        Labels: Object.entries(v.Labels ?? {})
          .map(([k, val]) => `${k}=${val}`)
          .join(','),
        Links: 'N/A',
        Size: 'N/A',
      },
    }));
    let format = typeof flags.format === 'string' && flags.format !== '' ? flags.format : LS_TABLE;
    if (flags.quiet) format = '{{.Name}}';
    if (format === 'table') format = LS_TABLE;
    cli.out(renderRows(format, rows, LS_HEADERS));
    return 0;
  },
};

/** `berth volume inspect`. */
export const volumeInspect: Command = {
  name: 'volume inspect',
  usage: 'berth volume inspect [OPTIONS] VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  flags: [
    {
      name: 'format',
      short: 'f',
      kind: 'string',
      usage: "Format output using a custom template: 'json', 'TEMPLATE'",
    },
  ],
  args: { min: 1 },
  run: (cli, flags, args) =>
    inspectObjects(cli, args, (ref) => `/volumes/${encodeURIComponent(ref)}`, flags.format),
};

/** `berth volume rm`. */
export const volumeRm: Command = {
  name: 'volume rm',
  usage: 'berth volume rm [OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of one or more volumes' }],
  args: { min: 1 },
  run: (cli, flags, args) =>
    forEachRef(cli, args, async (ref) => {
      await cli.client.call('DELETE', `/volumes/${encodeURIComponent(ref)}${flags.force ? '?force=1' : ''}`);
      return ref;
    }),
};

const ANONYMOUS_WARNING =
  'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ';
const ALL_WARNING =
  'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ';

/** `berth volume prune`. */
export const volumePrune: Command = {
  name: 'volume prune',
  usage: 'berth volume prune [OPTIONS]',
  summary: 'Remove unused local volumes',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused volumes, not just anonymous ones' },
    { name: 'filter', kind: 'list', usage: "Provide filter values (e.g. 'label=<label>')" },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  args: { min: 0, max: 0 },
  run: (cli, flags) =>
    runPruneCommand(cli, flags, flags.all ? ALL_WARNING : ANONYMOUS_WARNING, volumes(flags.all === true)),
};
