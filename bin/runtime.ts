#!/usr/bin/env node
// berth-runtime: a runc-compatible OCI runtime. Parses runc's global flags and dispatches one command.
import { BerthError, messageOf } from '../src/base/errors.js';
import { OCI_VERSION } from '../src/oci/runtime-spec.js';
import { parseArgs } from '../src/runtime/cli-args.js';
import { logEntry, type RuntimeContext } from '../src/runtime/context.js';
import { VERSION } from '../src/runtime/version.js';
import { writeErr, writeOut } from '../src/base/stdio.js';

type Command = (ctx: RuntimeContext, argv: string[]) => Promise<number>;

/**
 * Commands by name, loaded when run: a start evaluates only the modules its command needs (`ps` alone
 * needs child_process, for instance, which costs every other command 8 ms to load).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  create: async () => (await import('../src/runtime/commands/create.js')).create,
  delete: async () => (await import('../src/runtime/commands/delete.js')).del,
  events: async () => (await import('../src/runtime/commands/events.js')).events,
  exec: async () => (await import('../src/runtime/commands/exec.js')).exec,
  features: async () => (await import('../src/runtime/commands/features.js')).featuresCommand,
  kill: async () => (await import('../src/runtime/commands/kill.js')).kill,
  list: async () => (await import('../src/runtime/commands/list.js')).list,
  pause: async () => (await import('../src/runtime/commands/pause.js')).pause,
  ps: async () => (await import('../src/runtime/commands/ps.js')).ps,
  resume: async () => (await import('../src/runtime/commands/resume.js')).resume,
  run: async () => (await import('../src/runtime/commands/run.js')).run,
  spec: async () => (await import('../src/runtime/commands/spec.js')).spec,
  start: async () => (await import('../src/runtime/commands/start.js')).start,
  state: async () => (await import('../src/runtime/commands/state.js')).state,
  update: async () => (await import('../src/runtime/commands/update.js')).update,
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
  const load = COMMANDS[name];
  if (!load) {
    const err = new BerthError('InvalidArgument', `no such command "${name}"`);
    // Engines read --log for the reason a call failed (containerd's shim shows it to the user).
    logEntry(ctx, 'error', err.message);
    throw err;
  }
  try {
    return await (
      await load()
    )(ctx, rest);
  } catch (err) {
    logEntry(ctx, 'error', messageOf(err));
    throw err;
  }
}

main(process.argv.slice(2)).then(
  // Exit at once: output went out with writeSync, and a handle left open (a timer, a pool thread's read)
  // would otherwise hold the process for tens of milliseconds after its work is done.
  (code) => process.exit(code),
  (err: unknown) => {
    // Our errors and the system's (errno errors name their path) get their message; anything else is a
    // bug of ours, and gets its stack.
    const known = err instanceof BerthError || (err instanceof Error && 'syscall' in err);
    if (known) writeErr(`runtime: ${err.message}\n`);
    else
      writeErr(
        `runtime: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    process.exit(1);
  },
);
