// `berth run` and `berth create` (docker/cli's container/run.go and create.go): create (pulling a missing
// image through the daemon), then for run: start detached and print the id, or attach, wait, start and
// exit with the container's status. Exit codes as docker's: 125 when the daemon or a flag refuses, 126
// when the command cannot be invoked, 127 when it is not found, the container's status otherwise.
import { readFileSync, writeFileSync } from 'node:fs';
import { BerthError, messageOf } from '../../base/errors.js';
import { writeErr } from '../../base/stdio.js';
import { DaemonError, type Client } from '../client.js';
import type { CliContext, Command } from '../command.js';
import { hijack } from '../hijack.js';
import { holdAttached } from '../attach-stream.js';
import { CONTAINER_FLAGS, parseContainerFlags, RUN_FLAGS, type ParsedContainer } from '../opts/container.js';
import { followResizes, terminalSize } from '../terminal.js';

const env = {
  getenv: (n: string) => process.env[n],
  readFile: (p: string) => readFileSync(p, 'utf8'),
};

/** Asks the daemon to pull `image` (POST /images/create), printing its progress lines' status. */
async function pull(cli: CliContext, image: string): Promise<void> {
  const at = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  const [from, tag] = at > slash ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
  const res = await cli.client.open(
    'POST',
    `/images/create?fromImage=${encodeURIComponent(from)}&tag=${encodeURIComponent(tag)}`,
  );
  let text = '';
  for await (const c of res) text += (c as Buffer).toString('utf8');
  if ((res.statusCode ?? 500) >= 400) {
    let message = text.trim();
    try {
      message = (JSON.parse(text) as { message: string }).message;
    } catch {
      // plain text
    }
    throw new DaemonError(res.statusCode ?? 500, message);
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const m = JSON.parse(line) as { status?: string; error?: string; id?: string };
    if (m.error) throw new DaemonError(500, m.error);
    if (m.status && !m.id) cli.err(`${m.status}\n`);
  }
}

/** POST /containers/create, pulling the image when the daemon does not have it (--pull missing). */
export async function createFromFlags(cli: CliContext, parsed: ParsedContainer): Promise<string> {
  const path = `/containers/create${parsed.name ? `?name=${encodeURIComponent(parsed.name)}` : ''}`;
  const attempt = async (): Promise<{ Id: string; Warnings?: string[] | null }> =>
    JSON.parse((await cli.client.call('POST', path, parsed.request)).body.toString('utf8')) as {
      Id: string;
      Warnings?: string[];
    };
  let created;
  if (parsed.pull === 'always') await pull(cli, parsed.image);
  try {
    created = await attempt();
  } catch (err) {
    if (
      !(err instanceof DaemonError) ||
      err.status !== 404 ||
      !err.message.startsWith('No such image') ||
      parsed.pull === 'never'
    )
      throw err;
    cli.err(`Unable to find image '${parsed.image}' locally\n`);
    await pull(cli, parsed.image);
    created = await attempt();
  }
  for (const w of created.Warnings ?? []) cli.err(`WARNING: ${w}\n`);
  if (parsed.cidfile) writeFileSync(parsed.cidfile, created.Id, { flag: 'wx' });
  return created.Id;
}

/** docker's runStartContainerErr: the status of a start the daemon refused. */
export function startFailureStatus(message: string): number {
  if (
    /executable file not found|no such file or directory|system cannot find the file specified/.test(message)
  )
    return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}

/** The `-a`/`-i` streams of a create request, as the attach query. */
function attachQuery(p: ParsedContainer): string {
  const r = p.request;
  const q = [
    `stream=1`,
    `stdin=${r.AttachStdin ? 1 : 0}`,
    `stdout=${r.AttachStdout ? 1 : 0}`,
    `stderr=${r.AttachStderr ? 1 : 0}`,
  ];
  if (p.detachKeys) q.push(`detachKeys=${encodeURIComponent(p.detachKeys)}`);
  return q.join('&');
}

/**
 * Opens POST /wait now; `status` resolves with the status code once the daemon answers (an object, so
 * that awaiting the open does not also await the exit).
 */
export async function openWait(
  client: Client,
  id: string,
  condition: string,
): Promise<{ status: Promise<number> }> {
  const res = await client.open('POST', `/containers/${id}/wait?condition=${condition}`);
  if ((res.statusCode ?? 500) >= 400) {
    let text = '';
    for await (const c of res) text += (c as Buffer).toString('utf8');
    throw new DaemonError(res.statusCode ?? 500, (JSON.parse(text) as { message: string }).message);
  }
  return {
    status: (async () => {
      let text = '';
      for await (const c of res) text += (c as Buffer).toString('utf8');
      return (JSON.parse(text) as { StatusCode: number }).StatusCode;
    })(),
  };
}

/** Forwards SIGINT, SIGTERM and friends to the container (--sig-proxy); returns the function that stops. */
export function proxySignals(client: Client, id: string): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const handler = (sig: NodeJS.Signals): void => {
    client.call('POST', `/containers/${id}/kill?signal=${sig}`).catch(() => undefined);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

async function runContainer(
  cli: CliContext,
  values: Record<string, unknown>,
  args: string[],
): Promise<number> {
  let parsed: ParsedContainer;
  try {
    parsed = parseContainerFlags(values, args, env, true);
  } catch (err) {
    writeErr(`berth: ${messageOf(err)}\nSee 'berth run --help'.\n`);
    return 125;
  }
  const tty = parsed.request.Tty === true;
  const size = tty ? terminalSize() : undefined;
  if (size && parsed.request.HostConfig) parsed.request.HostConfig.ConsoleSize = [size.rows, size.cols];
  if (tty && parsed.request.AttachStdin && !process.stdin.isTTY) {
    writeErr('the input device is not a TTY\n');
    return 1;
  }
  let id: string;
  try {
    id = await createFromFlags(cli, parsed);
  } catch (err) {
    writeErr(
      err instanceof DaemonError
        ? `berth: Error response from daemon: ${err.message}\n`
        : `berth: ${messageOf(err)}\n`,
    );
    writeErr(`See 'berth run --help'.\n`);
    return 125;
  }
  if (parsed.detach) {
    try {
      await cli.client.call('POST', `/containers/${id}/start`);
    } catch (err) {
      writeErr(`berth: Error response from daemon: ${messageOf(err)}\n`);
      return startFailureStatus(messageOf(err));
    }
    cli.out(`${id}\n`);
    return 0;
  }
  const r = parsed.request;
  const attached = r.AttachStdin || r.AttachStdout || r.AttachStderr;
  const socket = attached
    ? await hijack(cli.client, 'POST', `/containers/${id}/attach?${attachQuery(parsed)}`)
    : undefined;
  const autoRemove = r.HostConfig?.AutoRemove === true;
  const status = await openWait(cli.client, id, autoRemove ? 'removed' : 'next-exit');
  const stream = socket ? holdAttached(socket, { tty, stdin: r.AttachStdin === true }) : Promise.resolve();
  try {
    await cli.client.call('POST', `/containers/${id}/start`);
  } catch (err) {
    socket?.destroy();
    writeErr(`berth: Error response from daemon: ${messageOf(err)}\n`);
    if (autoRemove) await cli.client.call('DELETE', `/containers/${id}?force=1&v=1`).catch(() => undefined);
    return startFailureStatus(messageOf(err));
  }
  const stopResizes = tty
    ? followResizes((h, w) => cli.client.call('POST', `/containers/${id}/resize?h=${h}&w=${w}`))
    : () => undefined;
  const stopSignals = !tty && parsed.sigProxy ? proxySignals(cli.client, id) : () => undefined;
  try {
    await stream;
    // Detached with the keys: the container runs on, and the status is not waited for.
    if (socket && tty && r.AttachStdin) {
      const state = JSON.parse(
        (await cli.client.call('GET', `/containers/${id}/json`)).body.toString('utf8'),
      ) as {
        State: { Running: boolean };
      };
      if (state.State.Running) return 0;
    }
    return await status.status;
  } finally {
    stopResizes();
    stopSignals();
  }
}

/** `berth run`. */
export const run: Command = {
  name: 'run',
  usage: 'berth run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  flags: RUN_FLAGS,
  interspersed: false,
  args: { min: 1 },
  run: runContainer,
};

/** `berth create`. */
export const create: Command = {
  name: 'create',
  usage: 'berth create [OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  flags: CONTAINER_FLAGS,
  interspersed: false,
  args: { min: 1 },
  run: async (cli, values, args) => {
    let parsed: ParsedContainer;
    try {
      parsed = parseContainerFlags(values, args, env, false);
    } catch (err) {
      throw new BerthError('InvalidArgument', messageOf(err));
    }
    cli.out(`${await createFromFlags(cli, parsed)}\n`);
    return 0;
  },
};
