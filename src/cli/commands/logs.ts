// `berth logs` (docker/cli's container/logs.go): -f, --tail, -t, --since, --until; times as docker reads
// them (RFC 3339, Unix seconds, or a duration such as 10m before now).
import { BerthError } from '../../base/errors.js';
import { Demuxer } from '../../dockerapi/stdcopy.js';
import type { Command } from '../command.js';
import { parseDuration } from '../opts/units.js';

/** docker's timetypes.GetTimestamp: the value as Unix seconds text. */
export function timestampArg(value: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  if (/^\d+(\.\d+)?(ns|us|µs|ms|s|m|h)/.test(value)) {
    const ms = parseDuration(value);
    return ((now - ms) / 1000).toFixed(9);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new BerthError('InvalidArgument', `invalid value for "since": "${value}"`);
  return (t / 1000).toFixed(9);
}

/** `berth logs`. */
export const logs: Command = {
  name: 'logs',
  usage: 'berth logs [OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  flags: [
    { name: 'details', kind: 'bool', usage: 'Show extra details provided to logs' },
    { name: 'follow', short: 'f', kind: 'bool', usage: 'Follow log output' },
    { name: 'since', kind: 'string', usage: 'Show logs since timestamp or relative (e.g. 42m)' },
    {
      name: 'tail',
      short: 'n',
      kind: 'string',
      usage: 'Number of lines to show from the end of the logs',
      default: 'all',
    },
    { name: 'timestamps', short: 't', kind: 'bool', usage: 'Show timestamps' },
    { name: 'until', kind: 'string', usage: 'Show logs before a timestamp or relative (e.g. 42m)' },
  ],
  args: { min: 1, max: 1 },
  run: async (cli, v, [ref]) => {
    const info = await cli.client.json<{ Id: string; Config: { Tty?: boolean } }>(
      `/containers/${encodeURIComponent(ref!)}/json`,
    );
    const q = ['stdout=1', 'stderr=1', `tail=${encodeURIComponent((v.tail as string | undefined) ?? 'all')}`];
    if (v.follow) q.push('follow=1');
    if (v.timestamps) q.push('timestamps=1');
    if (v.since) q.push(`since=${timestampArg(v.since as string)}`);
    if (v.until) q.push(`until=${timestampArg(v.until as string)}`);
    const res = await cli.client.open('GET', `/containers/${info.Id}/logs?${q.join('&')}`);
    const demux = new Demuxer();
    for await (const chunk of res) {
      if (info.Config.Tty) process.stdout.write(chunk as Buffer);
      else
        for (const f of demux.push(chunk as Buffer))
          (f.stream === 2 ? process.stderr : process.stdout).write(f.payload);
    }
    return 0;
  },
};
