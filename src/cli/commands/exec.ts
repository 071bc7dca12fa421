// `berth exec` (docker/cli's container/exec.go): -i, -t, -d, -e, --env-file, -u, -w, --privileged,
// --detach-keys; exits with the process's status (126/127 when it cannot be run).
import { readFileSync } from 'node:fs';
import { messageOf } from '../../base/errors.js';
import { writeErr } from '../../base/stdio.js';
import type { Command } from '../command.js';
import { hijack } from '../hijack.js';
import { holdAttached } from '../attach-stream.js';
import { readKeyValueFile } from '../opts/container.js';
import { followResizes, terminalSize } from '../terminal.js';

/** `berth exec`. */
export const exec: Command = {
  name: 'exec',
  usage: 'berth exec [OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Detached mode: run command in the background' },
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'env', short: 'e', kind: 'list', usage: 'Set environment variables' },
    { name: 'env-file', kind: 'list', usage: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'privileged', kind: 'bool', usage: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
    {
      name: 'user',
      short: 'u',
      kind: 'string',
      usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")',
    },
    { name: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
  ],
  interspersed: false,
  args: { min: 2 },
  run: async (cli, v, [ref, ...cmd]) => {
    const tty = v.tty === true;
    const stdin = v.interactive === true;
    const detach = v.detach === true;
    if (tty && stdin && !process.stdin.isTTY) {
      writeErr('the input device is not a TTY\n');
      return 1;
    }
    const env = {
      getenv: (n: string) => process.env[n],
      readFile: (p: string) => readFileSync(p, 'utf8'),
    };
    const size = tty ? terminalSize() : undefined;
    const body = {
      User: (v.user as string | undefined) ?? '',
      Privileged: v.privileged === true,
      Tty: tty,
      AttachStdin: stdin && !detach,
      AttachStdout: !detach,
      AttachStderr: !detach,
      DetachKeys: (v['detach-keys'] as string | undefined) ?? '',
      Env: [
        ...((v['env-file'] as string[] | undefined) ?? []).flatMap((f) => readKeyValueFile(env, f, true)),
        ...((v.env as string[] | undefined) ?? []),
      ],
      WorkingDir: (v.workdir as string | undefined) ?? '',
      Cmd: cmd,
      ...(size ? { ConsoleSize: [size.rows, size.cols] } : {}),
    };
    const created = JSON.parse(
      (await cli.client.call('POST', `/containers/${encodeURIComponent(ref!)}/exec`, body)).body.toString(
        'utf8',
      ),
    ) as { Id: string };
    if (detach) {
      await cli.client.call('POST', `/exec/${created.Id}/start`, { Detach: true, Tty: tty });
      return 0;
    }
    let socket;
    try {
      socket = await hijack(cli.client, 'POST', `/exec/${created.Id}/start`, { Detach: false, Tty: tty });
    } catch (err) {
      writeErr(`Error response from daemon: ${messageOf(err)}\n`);
      return /not found|no such file/.test(messageOf(err)) ? 127 : 126;
    }
    const stopResizes = tty
      ? followResizes((h, w) => cli.client.call('POST', `/exec/${created.Id}/resize?h=${h}&w=${w}`))
      : () => undefined;
    try {
      await holdAttached(socket, { tty, stdin });
    } finally {
      stopResizes();
    }
    const info = await cli.client.json<{ ExitCode: number | null; Running: boolean }>(
      `/exec/${created.Id}/json`,
    );
    for (let i = 0; info.Running && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      Object.assign(info, await cli.client.json(`/exec/${created.Id}/json`));
    }
    return info.ExitCode ?? 0;
  },
};
