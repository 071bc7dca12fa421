// The commands that do one thing to each container named (docker/cli's stop, kill, restart, pause,
// unpause, rm and wait): each name is printed as given when it worked, each failure is printed as
// "Error response from daemon: ..." and makes the status 1, and the others are still done.
import { messageOf } from '../../base/errors.js';
import type { Flag } from '../../base/flags.js';
import type { CliContext, Command } from '../command.js';
import { openWait } from './run.js';

/** Runs `fn` for each argument, docker's way. */
async function forEach(
  cli: CliContext,
  args: string[],
  fn: (ref: string) => Promise<string | undefined>,
): Promise<number> {
  let status = 0;
  for (const ref of args) {
    try {
      const out = await fn(ref);
      cli.out(`${out ?? ref}\n`);
    } catch (err) {
      cli.err(`Error response from daemon: ${messageOf(err)}\n`);
      status = 1;
    }
  }
  return status;
}

const e = encodeURIComponent;

function bulk(
  name: string,
  summary: string,
  flags: Flag[],
  fn: (cli: CliContext, v: Record<string, unknown>, ref: string) => Promise<string | undefined>,
): Command {
  return {
    name,
    usage: `berth ${name} [OPTIONS] CONTAINER [CONTAINER...]`,
    summary,
    flags,
    args: { min: 1 },
    run: (cli, v, args) => forEach(cli, args, (ref) => fn(cli, v, ref)),
  };
}

const timeoutFlags: Flag[] = [
  { name: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' },
  { name: 'time', short: 't', kind: 'int', usage: 'Seconds to wait before killing the container' },
  { name: 'timeout', kind: 'int', hidden: true },
];

function stopQuery(v: Record<string, unknown>): string {
  const t = (v.time ?? v.timeout) as number | undefined;
  const q = [t !== undefined ? `t=${t}` : '', v.signal ? `signal=${e(v.signal as string)}` : ''].filter(
    Boolean,
  );
  return q.length ? `?${q.join('&')}` : '';
}

/** `berth stop`. */
export const stop = bulk('stop', 'Stop one or more running containers', timeoutFlags, async (cli, v, ref) => {
  await cli.client.call('POST', `/containers/${e(ref)}/stop${stopQuery(v)}`);
  return undefined;
});

/** `berth restart`. */
export const restart = bulk(
  'restart',
  'Restart one or more containers',
  timeoutFlags,
  async (cli, v, ref) => {
    await cli.client.call('POST', `/containers/${e(ref)}/restart${stopQuery(v)}`);
    return undefined;
  },
);

/** `berth kill`. */
export const kill = bulk(
  'kill',
  'Kill one or more running containers',
  [{ name: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' }],
  async (cli, v, ref) => {
    await cli.client.call(
      'POST',
      `/containers/${e(ref)}/kill${v.signal ? `?signal=${e(v.signal as string)}` : ''}`,
    );
    return undefined;
  },
);

/** `berth pause`. */
export const pause = bulk(
  'pause',
  'Pause all processes within one or more containers',
  [],
  async (cli, _v, ref) => {
    await cli.client.call('POST', `/containers/${e(ref)}/pause`);
    return undefined;
  },
);

/** `berth unpause`. */
export const unpause = bulk(
  'unpause',
  'Unpause all processes within one or more containers',
  [],
  async (cli, _v, ref) => {
    await cli.client.call('POST', `/containers/${e(ref)}/unpause`);
    return undefined;
  },
);

/** `berth rm`. */
export const rm = bulk(
  'rm',
  'Remove one or more containers',
  [
    {
      name: 'force',
      short: 'f',
      kind: 'bool',
      usage: 'Force the removal of a running container (uses SIGKILL)',
    },
    {
      name: 'volumes',
      short: 'v',
      kind: 'bool',
      usage: 'Remove anonymous volumes associated with the container',
    },
    { name: 'link', short: 'l', kind: 'bool', usage: 'Remove the specified link' },
  ],
  async (cli, v, ref) => {
    await cli.client.call('DELETE', `/containers/${e(ref)}?force=${v.force ? 1 : 0}&v=${v.volumes ? 1 : 0}`);
    return undefined;
  },
);

/** `berth wait`: prints each container's exit code. */
export const wait = bulk(
  'wait',
  'Block until one or more containers stop, then print their exit codes',
  [],
  async (cli, _v, ref) => String(await (await openWait(cli.client, e(ref), 'not-running')).status),
);
