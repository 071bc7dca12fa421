// Smaller container commands: `rename`, `top`, `port`, `diff`, `container prune` (docker/cli's
// rename.go, top.go, port.go, diff.go, prune.go).
import { CONTAINERS, runPruneCommand } from '../prune.js';
import { tabwrite } from '../../base/tabwriter.js';
import type { Command } from '../command.js';

/** `berth rename`. */
export const rename: Command = {
  name: 'rename',
  usage: 'berth rename CONTAINER NEW_NAME',
  summary: 'Rename a container',
  flags: [],
  args: { min: 2, max: 2 },
  run: async (cli, _v, [ref, name]) => {
    await cli.client.call(
      'POST',
      `/containers/${encodeURIComponent(ref!)}/rename?name=${encodeURIComponent(name!)}`,
    );
    return 0;
  },
};

/** `berth diff`: one line per change, `C`, `A` or `D` and the path, as docker prints them. */
export const diff: Command = {
  name: 'diff',
  usage: 'berth diff CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  args: { min: 1, max: 1 },
  run: async (cli, _v, [ref]) => {
    const changes = await cli.client.json<{ Path: string; Kind: number }[] | null>(
      `/containers/${encodeURIComponent(ref!)}/changes`,
    );
    for (const c of changes ?? []) cli.out(`${'CAD'[c.Kind] ?? '?'} ${c.Path}\n`);
    return 0;
  },
};

/** `berth top`. */
export const top: Command = {
  name: 'top',
  usage: 'berth top CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  flags: [],
  interspersed: false,
  args: { min: 1 },
  run: async (cli, _v, [ref, ...ps]) => {
    const q = ps.length ? `?ps_args=${encodeURIComponent(ps.join(' '))}` : '';
    const r = await cli.client.json<{ Titles: string[]; Processes: string[][] }>(
      `/containers/${encodeURIComponent(ref!)}/top${q}`,
    );
    const text = [r.Titles, ...r.Processes].map((row) => row.join('\t') + '\n').join('');
    cli.out(tabwrite(text, 1, 3));
    return 0;
  },
};

/** `berth port`: the published ports (none are bound until the network library lands). */
export const port: Command = {
  name: 'port',
  usage: 'berth port CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  flags: [],
  args: { min: 1, max: 2 },
  run: async (cli, _v, [ref, which]) => {
    const info = await cli.client.json<{
      NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> };
    }>(`/containers/${encodeURIComponent(ref!)}/json`);
    const ports = info.NetworkSettings.Ports ?? {};
    const want = which ? (which.includes('/') ? which : `${which}/tcp`) : undefined;
    if (want && !ports[want]) {
      cli.err(`Error: No public port '${want}' published for ${ref}\n`);
      return 1;
    }
    for (const [p, bindings] of Object.entries(ports))
      if (!want || p === want)
        for (const b of bindings ?? []) cli.out(`${want ? '' : `${p} -> `}${b.HostIp}:${b.HostPort}\n`);
    return 0;
  },
};

/** `berth container prune`. */
export const prune: Command = {
  name: 'prune',
  usage: 'berth container prune [OPTIONS]',
  summary: 'Remove all stopped containers',
  flags: [
    { name: 'filter', kind: 'list', usage: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  args: { min: 0, max: 0 },
  run: (cli, v) =>
    runPruneCommand(
      cli,
      v,
      'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ',
      CONTAINERS,
    ),
};
