// `berth`: the docker-style CLI. Global flags, then a command (docker's names, flags, output and exit
// codes: 125 for a usage error, 1 for a failure, else the command's own status).
import { BerthError, messageOf } from '../base/errors.js';
import { flagUsage, parseFlags, type Flag } from '../base/flags.js';
import { writeErr, writeOut } from '../base/stdio.js';
import { VERSION } from '../runtime/version.js';
import { Client, DaemonError, DEFAULT_HOST } from './client.js';
import type { CliContext, Command } from './command.js';
import { NETWORK_COMMANDS } from './network-commands.js';
import { VOLUME_COMMANDS } from './volume-commands.js';

const GLOBAL_FLAGS: Flag[] = [
  { name: 'host', short: 'H', kind: 'string', usage: 'Daemon socket to connect to (default $BERTH_HOST)' },
  { name: 'debug', short: 'D', kind: 'bool', usage: 'Enable debug mode' },
  { name: 'log-level', short: 'l', kind: 'string', usage: 'Set the logging level', default: 'info' },
  { name: 'version', short: 'v', kind: 'bool', usage: 'Print version information and quit' },
  { name: 'help', short: 'h', kind: 'bool', usage: 'Print usage' },
];

/** Commands by name, loaded when used so that a start parses only what it runs. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  info: async () => (await import('./commands/info.js')).info,
  version: async () => (await import('./commands/version.js')).version,
  ...NETWORK_COMMANDS,
  ...VOLUME_COMMANDS,
};

const SUMMARIES: Record<string, string> = {
  info: 'Display system-wide information',
  version: 'Show the Berth version information',
  network: 'Manage networks',
  volume: 'Manage volumes',
};

function usage(): string {
  const width = Math.max(...Object.keys(SUMMARIES).map((n) => n.length));
  return `
Usage:  berth [OPTIONS] COMMAND

A container engine that speaks docker's language

Commands:
${Object.entries(SUMMARIES)
  .map(([n, s]) => `  ${n.padEnd(width)}  ${s}`)
  .join('\n')}

Global Options:
${flagUsage(GLOBAL_FLAGS)}

Run 'berth COMMAND --help' for more information on a command.
`;
}

/** A usage mistake: docker prints it with a pointer to --help and exits 125. */
class UsageError extends BerthError {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super('InvalidArgument', message);
  }
}

/** Runs the CLI on `argv`; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  let commandName = '';
  try {
    const global = parseFlags(argv, GLOBAL_FLAGS, false);
    if (global.values.version) {
      writeOut(`Berth version ${VERSION}\n`);
      return 0;
    }
    const [name, ...rest] = global.args;
    if (!name || global.values.help) {
      writeOut(usage());
      return 0;
    }
    // Management commands ("image ls", "system df") are two words.
    const sub = rest[0];
    const group = sub !== undefined && COMMANDS[`${name} ${sub}`] !== undefined;
    commandName = group ? `${name} ${sub}` : name;
    if (group) rest.shift();
    const load = COMMANDS[commandName];
    if (!load) {
      const subs = Object.keys(COMMANDS).filter((c) => c.startsWith(`${name} `));
      if (subs.length > 0) {
        writeOut(
          `\nUsage:  berth ${name} COMMAND\n\nCommands:\n${subs.map((c) => `  ${c.slice(name.length + 1)}`).join('\n')}\n`,
        );
        return sub === undefined ? 0 : 1;
      }
      writeErr(`berth: '${name}' is not a berth command.\nSee 'berth --help'\n`);
      return 1;
    }
    const command = await load();
    const flags = [...command.flags, { name: 'help', kind: 'bool', usage: 'Print usage' } as Flag];
    let parsed;
    try {
      parsed = parseFlags(rest, flags, command.interspersed ?? true);
    } catch (err) {
      throw new UsageError(messageOf(err), commandName);
    }
    if (parsed.values.help) {
      writeOut(`\nUsage:  ${command.usage}\n\n${command.summary}\n\nOptions:\n${flagUsage(flags)}\n`);
      return 0;
    }
    const { min, max } = command.args ?? { min: 0 };
    if (parsed.args.length < min || (max !== undefined && parsed.args.length > max)) {
      const want =
        max === 0
          ? 'accepts no arguments'
          : min === max
            ? `requires exactly ${min} argument${min === 1 ? '' : 's'}`
            : `requires at least ${min} argument${min === 1 ? '' : 's'}`;
      throw new UsageError(`"berth ${commandName}" ${want}.`, commandName);
    }
    const host = (global.values.host as string | undefined) ?? process.env.BERTH_HOST ?? DEFAULT_HOST;
    const cli: CliContext = {
      client: new Client(host),
      out: writeOut,
      err: writeErr,
      tty: process.stdout.isTTY === true,
    };
    return await command.run(cli, parsed.values, parsed.args);
  } catch (err) {
    if (err instanceof UsageError) {
      writeErr(`${err.message}\nSee 'berth ${err.command} --help'.\n`);
      return 125;
    }
    if (err instanceof DaemonError) writeErr(`Error response from daemon: ${err.message}\n`);
    else if (err instanceof BerthError || (err instanceof Error && 'syscall' in err))
      writeErr(`${commandName ? '' : 'berth: '}${messageOf(err)}\n`);
    else writeErr(`berth: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}
