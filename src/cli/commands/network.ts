// `berth network create|ls|inspect|rm|connect|disconnect|prune`: docker's flags, output and exit codes
// (docker/cli cli/command/network). Everything goes through the API's /networks routes.
import { NETWORKS, runPruneCommand } from '../prune.js';
import { BerthError } from '../../base/errors.js';
import type { Command } from '../command.js';
import { filtersQuery } from '../filter-flags.js';
import { renderRows, type Row } from '../format/table.js';
import { forEachRef, inspectObjects } from '../inspect-objects.js';
import { keyValues } from '../opts/container.js';

interface NetworkSummary {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Created: string;
  EnableIPv6: boolean;
  Internal: boolean;
  Labels: Record<string, string> | null;
}

const list = (v: unknown): string[] => (v as string[] | undefined) ?? [];

/** docker's IPAM configs from --subnet, --gateway and --ip-range (each gateway and range with its subnet). */
function ipamConfigs(flags: Record<string, unknown>): Record<string, string>[] {
  const subnets = list(flags.subnet);
  const gateways = list(flags.gateway);
  const ranges = list(flags['ip-range']);
  if (subnets.length === 0 && (gateways.length || ranges.length))
    throw new BerthError('InvalidArgument', 'every ip-range or gateway must have a corresponding subnet');
  if (gateways.length > subnets.length || ranges.length > subnets.length)
    throw new BerthError('InvalidArgument', 'every ip-range or gateway must have a corresponding subnet');
  return subnets.map((Subnet, i) => ({
    Subnet,
    ...(gateways[i] && { Gateway: gateways[i] }),
    ...(ranges[i] && { IPRange: ranges[i] }),
  }));
}

/** `berth network create`. */
export const networkCreate: Command = {
  name: 'network create',
  usage: 'berth network create [OPTIONS] NETWORK',
  summary: 'Create a network',
  flags: [
    { name: 'driver', short: 'd', kind: 'string', usage: 'Driver to manage the Network', default: 'bridge' },
    { name: 'subnet', kind: 'list', usage: 'Subnet in CIDR format that represents a network segment' },
    { name: 'gateway', kind: 'list', usage: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'ip-range', kind: 'list', usage: 'Allocate container ip from a sub-range' },
    { name: 'internal', kind: 'bool', usage: 'Restrict external access to the network' },
    { name: 'attachable', kind: 'bool', usage: 'Enable manual container attachment' },
    { name: 'label', kind: 'list', usage: 'Set metadata on a network' },
    { name: 'opt', short: 'o', kind: 'list', usage: 'Set driver specific options' },
    { name: 'ipam-driver', kind: 'string', usage: 'IP Address Management Driver', default: 'default' },
    { name: 'ipv6', kind: 'bool', usage: 'Enable or disable IPv6 networking' },
  ],
  args: { min: 1, max: 1 },
  async run(cli, flags, args) {
    const body = {
      Name: args[0],
      Driver: (flags.driver as string | undefined) ?? 'bridge',
      Internal: flags.internal === true,
      Attachable: flags.attachable === true,
      ...(flags.ipv6 === true && { EnableIPv6: true }),
      IPAM: { Driver: (flags['ipam-driver'] as string | undefined) ?? 'default', Config: ipamConfigs(flags) },
      Options: keyValues(list(flags.opt), 'opt'),
      Labels: keyValues(list(flags.label), 'label'),
    };
    const reply = await cli.client.call('POST', '/networks/create', body);
    cli.out(`${(JSON.parse(reply.body.toString('utf8')) as { Id: string }).Id}\n`);
    return 0;
  },
};

const LS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const LS_HEADERS = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

/** Go's time.Time String() form, which docker prints for CreatedAt. */
export function goTimeString(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const frac = d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '')}` : '';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac} +0000 UTC`;
}

function labelsText(labels: Record<string, string> | null): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** `berth network ls`. */
export const networkLs: Command = {
  name: 'network ls',
  usage: 'berth network ls [OPTIONS]',
  summary: 'List networks',
  flags: [
    { name: 'filter', short: 'f', kind: 'list', usage: 'Provide filter values (e.g. "driver=bridge")' },
    { name: 'format', kind: 'string', usage: 'Format output using a custom template' },
    { name: 'no-trunc', kind: 'bool', usage: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display network IDs' },
  ],
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const filters = filtersQuery(list(flags.filter));
    const nets = await cli.client.json<NetworkSummary[]>(
      `/networks${filters ? `?${new URLSearchParams({ filters })}` : ''}`,
    );
    nets.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    const noTrunc = flags['no-trunc'] === true;
    const rows: Row[] = nets.map((n) => {
      const context = {
        ID: noTrunc ? n.Id : n.Id.slice(0, 12),
        Name: n.Name,
        Driver: n.Driver,
        Scope: n.Scope,
        IPv6: String(n.EnableIPv6),
        Internal: String(n.Internal),
        Labels: labelsText(n.Labels),
        CreatedAt: goTimeString(n.Created),
      };
      return { context };
    });
    let format = typeof flags.format === 'string' && flags.format !== '' ? flags.format : LS_TABLE;
    if (flags.quiet) format = '{{.ID}}';
    if (format === 'table') format = LS_TABLE;
    cli.out(renderRows(format, rows, LS_HEADERS));
    return 0;
  },
};

/** `berth network inspect`. */
export const networkInspect: Command = {
  name: 'network inspect',
  usage: 'berth network inspect [OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  flags: [
    {
      name: 'format',
      short: 'f',
      kind: 'string',
      usage: "Format output using a custom template: 'json', 'TEMPLATE'",
    },
    { name: 'verbose', short: 'v', kind: 'bool', usage: 'Verbose output for diagnostics' },
  ],
  args: { min: 1 },
  run: (cli, flags, args) =>
    inspectObjects(cli, args, (ref) => `/networks/${encodeURIComponent(ref)}`, flags.format),
};

/** `berth network rm`. */
export const networkRm: Command = {
  name: 'network rm',
  usage: 'berth network rm NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Do not error if the network does not exist' }],
  args: { min: 1 },
  run: (cli, flags, args) =>
    forEachRef(cli, args, async (ref) => {
      try {
        await cli.client.call('DELETE', `/networks/${encodeURIComponent(ref)}`);
      } catch (err) {
        if (flags.force && (err as BerthError).code === 'NotFound') return undefined;
        throw err;
      }
      return ref;
    }),
};

/** `berth network connect`. */
export const networkConnect: Command = {
  name: 'network connect',
  usage: 'berth network connect [OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  flags: [
    { name: 'alias', kind: 'list', usage: 'Add network-scoped alias for the container' },
    { name: 'ip', kind: 'string', usage: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'ip6', kind: 'string', usage: 'IPv6 address (e.g., "2001:db8::33")' },
    { name: 'driver-opt', kind: 'list', usage: 'driver options for the network' },
  ],
  args: { min: 2, max: 2 },
  async run(cli, flags, args) {
    const ip = flags.ip as string | undefined;
    const aliases = list(flags.alias);
    await cli.client.call('POST', `/networks/${encodeURIComponent(args[0]!)}/connect`, {
      Container: args[1],
      EndpointConfig: {
        ...(ip && { IPAMConfig: { IPv4Address: ip } }),
        ...(aliases.length && { Aliases: aliases }),
        ...(list(flags['driver-opt']).length && {
          DriverOpts: keyValues(list(flags['driver-opt']), 'driver-opt'),
        }),
      },
    });
    return 0;
  },
};

/** `berth network disconnect`. */
export const networkDisconnect: Command = {
  name: 'network disconnect',
  usage: 'berth network disconnect [OPTIONS] NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: 'Force the container to disconnect from a network' },
  ],
  args: { min: 2, max: 2 },
  async run(cli, flags, args) {
    await cli.client.call('POST', `/networks/${encodeURIComponent(args[0]!)}/disconnect`, {
      Container: args[1],
      Force: flags.force === true,
    });
    return 0;
  },
};

const PRUNE_WARNING =
  'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ';

/** `berth network prune`. */
export const networkPrune: Command = {
  name: 'network prune',
  usage: 'berth network prune [OPTIONS]',
  summary: 'Remove all unused networks',
  flags: [
    { name: 'filter', kind: 'list', usage: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  args: { min: 0, max: 0 },
  run: (cli, flags) => runPruneCommand(cli, flags, PRUNE_WARNING, NETWORKS),
};
