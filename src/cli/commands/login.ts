// `berth login [SERVER]`: asks the daemon to check the credentials with the registry (POST /auth), then
// keeps them in docker's config file (registry-credentials.ts says where and why), as `docker login` does.
// The password comes from --password-stdin, -p (with docker's warning), or a prompt on a terminal.
import { createInterface } from 'node:readline';
import { BerthError } from '../../base/errors.js';
import { dockerConfigPath } from '../../images/registry/index.js';
import type { Command } from '../command.js';
import { configKey, loginHost, storeCredential, storedCredential } from '../registry-credentials.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Reads one line from the terminal; `hidden` turns echo off (a password). */
function prompt(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    if (hidden) {
      const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.startsWith(question)) write.call(rl, question);
      };
    }
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stdout.write('\n');
      resolve(answer);
    });
  });
}

/** `berth login`. */
export const login: Command = {
  name: 'login',
  usage: 'berth login [OPTIONS] [SERVER]',
  summary: 'Authenticate to a registry',
  flags: [
    { name: 'password', short: 'p', kind: 'string', usage: 'Password or Personal Access Token (PAT)' },
    {
      name: 'password-stdin',
      kind: 'bool',
      usage: 'Take the Password or Personal Access Token (PAT) from stdin',
    },
    { name: 'username', short: 'u', kind: 'string', usage: 'Username' },
  ],
  args: { min: 0, max: 1 },
  async run(cli, flags, [server]) {
    const host = loginHost(server);
    let username = typeof flags.username === 'string' ? flags.username : undefined;
    let password = typeof flags.password === 'string' ? flags.password : undefined;
    if (password !== undefined)
      cli.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (flags['password-stdin']) {
      if (password !== undefined)
        throw new BerthError('InvalidArgument', '--password and --password-stdin are mutually exclusive');
      if (username === undefined)
        throw new BerthError('InvalidArgument', 'Must provide --username with --password-stdin');
      password = await readStdin();
    }
    const interactive = process.stdin.isTTY === true;
    if (username === undefined || password === undefined) {
      if (!interactive)
        throw new BerthError('InvalidArgument', 'Cannot perform an interactive login from a non TTY device');
      const known = (() => {
        try {
          return storedCredential(host)?.username;
        } catch {
          return undefined;
        }
      })();
      if (username === undefined) {
        const answer = (await prompt(`Username${known ? ` (${known})` : ''}: `, false)).trim();
        username = answer === '' ? known : answer;
      }
      if (!username) throw new BerthError('InvalidArgument', 'Username is required');
      if (password === undefined) password = await prompt('Password: ', true);
    }
    if (password === '') throw new BerthError('InvalidArgument', 'Password is required');
    await cli.client.call('POST', '/auth', { username, password, serveraddress: configKey(host) });
    storeCredential(host, username, password);
    cli.err(
      `WARNING! Your credentials are stored unencrypted in '${dockerConfigPath()}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`,
    );
    cli.out('Login Succeeded\n');
    return 0;
  },
};
