// `berth start` (-a, -i) and `berth attach` (docker/cli's start.go and attach.go).
import { messageOf } from '../../base/errors.js';
import type { CliContext, Command } from '../command.js';
import { hijack } from '../hijack.js';
import { holdAttached } from '../attach-stream.js';
import { followResizes } from '../terminal.js';
import { openWait, proxySignals, startFailureStatus } from './run.js';

interface Info {
  Id: string;
  Config: { Tty?: boolean; OpenStdin?: boolean };
  State: { Running: boolean; ExitCode: number };
}

/** Attaches to `id` (and starts it when `start`), then exits with its status. */
async function attachAndWait(
  cli: CliContext,
  info: Info,
  stdin: boolean,
  detachKeys: string | undefined,
  start: boolean,
): Promise<number> {
  const tty = info.Config.Tty === true;
  const q = `stream=1&stdin=${stdin ? 1 : 0}&stdout=1&stderr=1${detachKeys ? `&detachKeys=${encodeURIComponent(detachKeys)}` : ''}`;
  const socket = await hijack(cli.client, 'POST', `/containers/${info.Id}/attach?${q}`);
  const status = await openWait(cli.client, info.Id, start ? 'next-exit' : 'not-running');
  const stream = holdAttached(socket, { tty, stdin });
  if (start)
    try {
      await cli.client.call('POST', `/containers/${info.Id}/start`);
    } catch (err) {
      socket.destroy();
      cli.err(`Error response from daemon: ${messageOf(err)}\n`);
      return startFailureStatus(messageOf(err));
    }
  const stopResizes = tty
    ? followResizes((h, w) => cli.client.call('POST', `/containers/${info.Id}/resize?h=${h}&w=${w}`))
    : () => undefined;
  const stopSignals = tty ? () => undefined : proxySignals(cli.client, info.Id);
  try {
    await stream;
    const now = await cli.client.json<Info>(`/containers/${info.Id}/json`);
    if (now.State.Running) return 0; // detached with the keys
    return await status.status;
  } finally {
    stopResizes();
    stopSignals();
  }
}

/** `berth start`. */
export const start: Command = {
  name: 'start',
  usage: 'berth start [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', usage: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', kind: 'bool', usage: "Attach container's STDIN" },
  ],
  args: { min: 1 },
  run: async (cli, v, args) => {
    if (v.attach || v.interactive) {
      if (args.length > 1) {
        cli.err('you cannot start and attach multiple containers at once\n');
        return 1;
      }
      const info = await cli.client.json<Info>(`/containers/${encodeURIComponent(args[0]!)}/json`);
      return attachAndWait(cli, info, v.interactive === true, v['detach-keys'] as string | undefined, true);
    }
    let status = 0;
    for (const ref of args) {
      try {
        await cli.client.call('POST', `/containers/${encodeURIComponent(ref)}/start`);
        cli.out(`${ref}\n`);
      } catch (err) {
        cli.err(`Error response from daemon: ${messageOf(err)}\n`);
        status = 1;
      }
    }
    return status;
  },
};

/** `berth attach`. */
export const attach: Command = {
  name: 'attach',
  usage: 'berth attach [OPTIONS] CONTAINER',
  summary: 'Attach local standard input, output, and error streams to a running container',
  flags: [
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'no-stdin', kind: 'bool', usage: 'Do not attach STDIN' },
    { name: 'sig-proxy', kind: 'bool', usage: 'Proxy all received signals to the process', default: true },
  ],
  args: { min: 1, max: 1 },
  run: async (cli, v, [ref]) => {
    const info = await cli.client.json<Info>(`/containers/${encodeURIComponent(ref!)}/json`);
    if (!info.State.Running) {
      cli.err('You cannot attach to a stopped container, start it first\n');
      return 1;
    }
    return attachAndWait(
      cli,
      info,
      v['no-stdin'] !== true && info.Config.OpenStdin === true,
      v['detach-keys'] as string | undefined,
      false,
    );
  },
};
