#!/usr/bin/env -S node --max-semi-space-size=4
// berthd: the daemon. Flags as dockerd's; settings also from /etc/berth/daemon.json (src/daemon/config.ts).
import { BerthError, messageOf } from '../src/base/errors.js';
import { flagUsage, parseFlags, type Flag } from '../src/base/flags.js';
import { Logger } from '../src/base/log.js';
import { writeErr, writeOut } from '../src/base/stdio.js';
import {
  readConfigFile,
  resolveConfig,
  type DaemonConfig,
  type RuntimeConfig,
} from '../src/daemon/config.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { VERSION } from '../src/runtime/version.js';

const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

const FLAGS: Flag[] = [
  {
    name: 'data-root',
    kind: 'string',
    usage: 'Root directory of persistent state',
    default: '/var/lib/berth',
  },
  { name: 'exec-root', kind: 'string', usage: 'Root directory of execution state', default: '/run/berth' },
  { name: 'host', short: 'H', kind: 'list', usage: 'Daemon socket(s) to listen on' },
  { name: 'config-file', kind: 'string', usage: 'Daemon configuration file', default: DEFAULT_CONFIG_FILE },
  {
    name: 'pidfile',
    short: 'p',
    kind: 'string',
    usage: 'Path to use for the daemon PID file',
    default: '/run/berth/berthd.pid',
  },
  { name: 'debug', short: 'D', kind: 'bool', usage: 'Enable debug mode' },
  {
    name: 'log-level',
    short: 'l',
    kind: 'string',
    usage: 'Set the logging level ("debug"|"info"|"warn"|"error")',
    default: 'info',
  },
  { name: 'experimental', kind: 'bool', usage: 'Enable experimental features' },
  { name: 'add-runtime', kind: 'list', usage: 'Register an additional OCI compatible runtime (name=path)' },
  { name: 'default-runtime', kind: 'string', usage: 'Default OCI runtime for containers', default: 'berth' },
  { name: 'registry-mirror', kind: 'list', usage: 'Preferred registry mirror' },
  { name: 'insecure-registry', kind: 'list', usage: 'Enable insecure registry communication' },
  {
    name: 'bridge',
    short: 'b',
    kind: 'string',
    usage: 'Attach containers to a network bridge',
    default: 'berth0',
  },
  { name: 'bip', kind: 'string', usage: 'Specify network bridge IP' },
  {
    name: 'default-address-pool',
    kind: 'list',
    usage: 'Default address pools for node specific local networks (base=CIDR,size=N)',
  },
  { name: 'dns', kind: 'list', usage: 'DNS server to use' },
  { name: 'version', short: 'v', kind: 'bool', usage: 'Print version information and quit' },
  { name: 'help', short: 'h', kind: 'bool', usage: 'Print usage' },
];

const USAGE = `Usage:\tberthd [OPTIONS]

A self-sufficient runtime for containers: serves the Docker Engine API.

Options:
${flagUsage(FLAGS)}
`;

/** dockerd's --default-address-pool value: `base=172.80.0.0/16,size=24`. */
function parsePoolFlag(spec: string): { base: string; size: number } {
  const fields = Object.fromEntries(spec.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const size = Number(fields.size);
  if (!fields.base || !Number.isInteger(size))
    throw new BerthError(
      'InvalidArgument',
      `--default-address-pool "${spec}": want base=<CIDR>,size=<prefix length>`,
    );
  return { base: fields.base, size };
}

/** Flags as config fields, only those given (so that a clash with the config file can be told). */
function configFromFlags(values: Record<string, unknown>): Partial<DaemonConfig> {
  const out: Partial<DaemonConfig> = {};
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const list = (k: string): string[] | undefined => values[k] as string[] | undefined;
  if (str('data-root') !== undefined) out.root = str('data-root');
  if (str('exec-root') !== undefined) out.state = str('exec-root');
  if (list('host')) out.hosts = list('host');
  if (str('pidfile') !== undefined) out.pidfile = str('pidfile');
  if (values.debug !== undefined) out.debug = values.debug as boolean;
  if (str('log-level') !== undefined) out.logLevel = str('log-level') as DaemonConfig['logLevel'];
  if (values.experimental !== undefined) out.experimental = values.experimental as boolean;
  if (str('default-runtime') !== undefined) out.defaultRuntime = str('default-runtime');
  if (list('registry-mirror')) out.registryMirrors = list('registry-mirror');
  if (list('insecure-registry')) out.insecureRegistries = list('insecure-registry');
  if (str('bridge') !== undefined) out.bridge = str('bridge');
  if (str('bip') !== undefined) out.bip = str('bip');
  if (list('dns')) out.dns = list('dns');
  const pools = list('default-address-pool');
  if (pools) out.defaultAddressPools = pools.map(parsePoolFlag);
  const runtimes = list('add-runtime');
  if (runtimes) {
    const map: Record<string, RuntimeConfig> = {};
    for (const spec of runtimes) {
      const eq = spec.indexOf('=');
      if (eq <= 0 || eq === spec.length - 1)
        throw new BerthError('InvalidArgument', `--add-runtime: "${spec}" is not name=path`);
      map[spec.slice(0, eq)] = { path: spec.slice(eq + 1) };
    }
    out.runtimes = map;
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const { values, args } = parseFlags(argv, FLAGS);
  if (values.help) return writeOut(USAGE);
  if (values.version) return writeOut(`Berth version ${VERSION}\n`);
  if (args.length)
    throw new BerthError('InvalidArgument', `berthd takes no arguments, got "${args.join(' ')}"`);
  const configFile = (values['config-file'] as string | undefined) ?? DEFAULT_CONFIG_FILE;
  const config = resolveConfig(
    readConfigFile(configFile, values['config-file'] !== undefined),
    configFromFlags(values),
  );
  const log = new Logger(config.logLevel);
  const daemon = await startDaemon(config, VERSION, log);
  log.info('berthd started', { version: VERSION, root: config.root, state: config.state });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping on signal', { signal });
    daemon.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('stop failed', { error: messageOf(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const known = err instanceof BerthError || (err instanceof Error && 'syscall' in err);
  writeErr(
    known
      ? `berthd: ${messageOf(err)}\n`
      : `berthd: internal error: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
