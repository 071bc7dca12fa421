#!/usr/bin/env node
// berth-runtime: a runc-compatible OCI runtime. Parses runc's global flags and dispatches one command.
import { BerthError, messageOf } from '../src/base/errors.js';
import { OCI_VERSION } from '../src/oci/runtime-spec.js';
import { parseArgs } from '../src/runtime/cli-args.js';
import { create } from '../src/runtime/commands/create.js';
import { del } from '../src/runtime/commands/delete.js';
import { events } from '../src/runtime/commands/events.js';
import { exec } from '../src/runtime/commands/exec.js';
import { featuresCommand } from '../src/runtime/commands/features.js';
import { kill } from '../src/runtime/commands/kill.js';
import { list } from '../src/runtime/commands/list.js';
import { pause } from '../src/runtime/commands/pause.js';
import { ps } from '../src/runtime/commands/ps.js';
import { resume } from '../src/runtime/commands/resume.js';
import { run } from '../src/runtime/commands/run.js';
import { spec } from '../src/runtime/commands/spec.js';
import { start } from '../src/runtime/commands/start.js';
import { state } from '../src/runtime/commands/state.js';
import { update } from '../src/runtime/commands/update.js';
import { logEntry, type RuntimeContext } from '../src/runtime/context.js';
import { VERSION } from '../src/runtime/version.js';
import { writeErr, writeOut } from '../src/base/stdio.js';

type Command = (ctx: RuntimeContext, argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  create,
  delete: del,
  events,
  exec,
  features: featuresCommand,
  kill,
  list,
  pause,
  ps,
  resume,
  run,
  spec,
  start,
  state,
  update,
};

const USAGE = `berth-runtime: a runc-compatible OCI runtime

usage: berth-runtime [global options] command [command options] [arguments...]

commands:
  create    create a container
  delete    delete any resources held by the container
  events    display container events such as OOM notifications, cpu, memory, and IO usage statistics
  exec      execute a new process inside the container
  features  show the enabled features
  kill      send a signal to the container's init process
  list      list containers started with the given root
  pause     suspend all processes inside the container
  ps        display the processes running inside a container
  resume    resume all processes that have been previously paused
  run       create and run a container
  spec      create a new specification file
  start     start a created container
  state     output the state of a container
  update    update container resource constraints

global options:
  --root value        root directory for container state (default: "/run/berth-runtime")
  --log value         log file (default: stderr only)
  --log-format value  log format: text or json (default: "text")
  --debug             enable debug logging
  --systemd-cgroup    use the systemd cgroup driver
  --help, -h          show help
  --version, -v       print the version
`;

async function main(argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(
    argv,
    [
      { name: 'root', type: 'string' },
      { name: 'log', type: 'string' },
      { name: 'log-format', type: 'string' },
      { name: 'debug', type: 'bool' },
      { name: 'systemd-cgroup', type: 'bool' },
      { name: 'rootless', type: 'string' },
      { name: 'criu', type: 'string' },
      { name: 'help', alias: 'h', type: 'bool' },
      { name: 'version', alias: 'v', type: 'bool' },
    ],
    true,
  );
  const logFormat = (flags['log-format'] as string | undefined) ?? 'text';
  const ctx: RuntimeContext = {
    root: (flags.root as string | undefined) ?? '/run/berth-runtime',
    log: flags.log as string | undefined,
    logFormat: logFormat === 'json' ? 'json' : 'text',
    debug: flags.debug === true,
    systemdCgroup: flags['systemd-cgroup'] === true,
  };
  if (logFormat !== 'text' && logFormat !== 'json')
    throw new BerthError(
      'InvalidArgument',
      `--log-format: unknown format "${logFormat}" (want text or json)`,
    );
  if (flags.version) {
    writeOut(`berth-runtime version ${VERSION}\nspec: ${OCI_VERSION}\n`);
    return 0;
  }
  const [name, ...rest] = args;
  if (flags.help || !name || name === 'help') {
    writeOut(USAGE);
    return name || flags.help ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) throw new BerthError('InvalidArgument', `no such command "${name}"`);
  try {
    return await command(ctx, rest);
  } catch (err) {
    logEntry(ctx, 'error', messageOf(err));
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Our errors and the system's (errno errors name their path) get their message; anything else is a
    // bug of ours, and gets its stack.
    const known = err instanceof BerthError || (err instanceof Error && 'syscall' in err);
    if (known) writeErr(`runtime: ${err.message}\n`);
    else
      writeErr(
        `runtime: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    process.exitCode = 1;
  },
);
