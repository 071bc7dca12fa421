// `berth`: the docker-style CLI. Global flags, then a command (docker's names, flags, output and exit
// codes: 125 for a usage error, 1 for a failure, else the command's own status).
import { BerthError, messageOf } from '../base/errors.js';
import { flagUsage, parseFlags, type Flag } from '../base/flags.js';
import { writeErr, writeOut } from '../base/stdio.js';
import { VERSION } from '../runtime/version.js';
import { Client, DaemonError, DEFAULT_HOST } from './client.js';
import type { CliContext, Command } from './command.js';
import { CONTAINER_COMMANDS, containerSubcommand } from './commands/container.js';
import { IMAGE_COMMANDS } from './image-commands.js';
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
  'system prune': async () => (await import('./commands/system-prune.js')).systemPrune,
  ...IMAGE_COMMANDS,
  ...CONTAINER_COMMANDS,
  ...NETWORK_COMMANDS,
  ...VOLUME_COMMANDS,
  'cri pods': async () => (await import('./commands/cri.js')).criPods,
  'cri ps': async () => (await import('./commands/cri.js')).criPs,
  'cri images': async () => (await import('./commands/cri.js')).criImages,
};

const SUMMARIES: Record<string, string> = {
  attach: 'Attach local standard input, output, and error streams to a running container',
  container: 'Manage containers',
  cp: 'Copy files/folders between a container and the local filesystem',
  create: 'Create a new container',
  diff: "Inspect changes to files or directories on a container's filesystem",
  events: 'Get real time events from the server',
  exec: 'Execute a command in a running container',
  export: "Export a container's filesystem as a tar archive",
  history: 'Show the history of an image',
  image: 'Manage images',
  images: 'List images',
  info: 'Display system-wide information',
  inspect: 'Return low-level information on Berth objects',
  kill: 'Kill one or more running containers',
  load: 'Load an image from a tar archive or STDIN',
  login: 'Authenticate to a registry',
  logout: 'Log out from a registry',
  logs: 'Fetch the logs of a container',
  network: 'Manage networks',
  pause: 'Pause all processes within one or more containers',
  ps: 'List containers',
  pull: 'Download an image from a registry',
  push: 'Upload an image to a registry',
  rename: 'Rename a container',
  restart: 'Restart one or more containers',
  rm: 'Remove one or more containers',
  rmi: 'Remove one or more images',
  run: 'Create and run a new container from an image',
  save: 'Save one or more images to a tar archive',
  start: 'Start one or more stopped containers',
  stats: 'Display a live stream of container(s) resource usage statistics',
  stop: 'Stop one or more running containers',
  cri: 'List what kubelet sees over the CRI socket (pods, ps, images)',
  system: 'Manage Berth',
  tag: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  top: 'Display the running processes of a container',
  unpause: 'Unpause all processes within one or more containers',
  update: 'Update configuration of one or more containers',
  version: 'Show the Berth version information',
  volume: 'Manage volumes',
  wait: 'Block until one or more containers stop, then print their exit codes',
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
    const [name, ...rest] = containerSubcommand(global.args);
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
