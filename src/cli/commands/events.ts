// `berth events` (docker/cli's system/events.go): the daemon's events as docker prints them —
// `<time> <type> <action> <id> (k=v, ...)` — or through --format.
import type { Command } from '../command.js';
import { Template } from '../template.js';
import { timestampArg } from './logs.js';
import { filtersParam } from '../filter-flags.js';

interface EventLine {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

/**
 * An event as docker's templates see it: the fields of docker's events.Message, whose JSON names differ
 * (`status` is `.Status`, `id` `.ID`, `from` `.From`, `time` `.Time`, `timeNano` `.TimeNano`).
 */
export function templateView(e: EventLine): Record<string, unknown> {
  const { status, id, from, scope, time, timeNano, ...rest } = e as EventLine & Record<string, unknown>;
  return {
    ...rest,
    ...(status !== undefined && { Status: status }),
    ...(id !== undefined && { ID: id }),
    ...(from !== undefined && { From: from }),
    Scope: scope,
    Time: time,
    TimeNano: timeNano,
  };
}

/** One event in docker's default form. */
export function eventText(e: EventLine): string {
  const secs = Math.floor(e.timeNano / 1e9);
  const nanos = String(e.timeNano % 1e9).padStart(9, '0');
  const when = new Date(secs * 1000)
    .toISOString()
    .replace(/\.\d+Z$/, `.${nanos}Z`)
    .replace('Z', '+00:00');
  const attrs = Object.entries(e.Actor.Attributes)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${when} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ''}`;
}

/** `berth events`. */
export const events: Command = {
  name: 'events',
  usage: 'berth events [OPTIONS]',
  summary: 'Get real time events from the server',
  flags: [
    { name: 'filter', short: 'f', kind: 'list', usage: 'Filter output based on conditions provided' },
    { name: 'format', kind: 'string', usage: 'Format output using a custom template' },
    { name: 'since', kind: 'string', usage: 'Show all events created since timestamp' },
    { name: 'until', kind: 'string', usage: 'Stream events until this timestamp' },
  ],
  args: { min: 0, max: 0 },
  run: async (cli, v) => {
    const q = [
      v.since ? `since=${timestampArg(v.since as string)}` : '',
      v.until ? `until=${timestampArg(v.until as string)}` : '',
      filtersParam(v.filter as string[] | undefined),
    ].filter(Boolean);
    const format = v.format as string | undefined;
    const template = format && format !== 'json' ? Template.parse(format) : undefined;
    const res = await cli.client.open('GET', `/events${q.length ? `?${q.join('&')}` : ''}`);
    let pending = '';
    for await (const chunk of res) {
      pending += (chunk as Buffer).toString('utf8');
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        const e = JSON.parse(line) as EventLine;
        cli.out(
          `${format === 'json' ? JSON.stringify(e) : template ? template.execute(templateView(e)) : eventText(e)}\n`,
        );
      }
    }
    return 0;
  },
};
