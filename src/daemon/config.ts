// berthd's configuration: embedded defaults, then the config file (/etc/berth/daemon.json, with
// dockerd's daemon.json key names where dockerd has the setting), then flags. As dockerd does, a key
// that means nothing is an error, and so is a setting given both in the file and as a flag.
import { readFileSync } from 'node:fs';
import { BerthError, wrap } from '../base/errors.js';
import type { Level } from '../base/log.js';

/** An OCI runtime binary berthd may use besides the built-in one (dockerd's `runtimes`). */
export interface RuntimeConfig {
  path: string;
  runtimeArgs?: string[];
}

/** How berthd reaches one registry host (an extension of dockerd's mirrors, for any host). */
export interface RegistryHostConfig {
  /** Mirrors tried in order before the host itself (`http://127.0.0.1:5000`). */
  mirrors?: string[];
  /** Plain http, or https without verification. */
  insecure?: boolean;
  /** A PEM file of CAs to trust for this host. */
  ca?: string;
}

/** The daemon's settings, resolved. */
export interface DaemonConfig {
  /** Persistent state: images, containers, volumes (`data-root`). */
  root: string;
  /** Runtime state: sockets, shims, netns (`exec-root`); a tmpfs where there is one. */
  state: string;
  /** Where the API listens: `unix:///run/berth/berth.sock`, or `tcp://...` only when asked for. */
  hosts: string[];
  pidfile: string;
  debug: boolean;
  logLevel: Level;
  experimental: boolean;
  /** Named OCI runtimes; `berth` (the built-in fast path) always exists. */
  runtimes: Record<string, RuntimeConfig>;
  defaultRuntime: string;
  /** Mirrors of docker.io, as dockerd's `registry-mirrors`. */
  registryMirrors: string[];
  /** Hosts or CIDRs reached without TLS verification; 127.0.0.0/8 always is. */
  insecureRegistries: string[];
  /** Per-host settings: `{"registry.k8s.io": {"mirrors": ["http://127.0.0.1:5001"]}}`. */
  registries: Record<string, RegistryHostConfig>;
  /** The default bridge network's device (dockerd's --bridge; `berth0`), or `none` for no default bridge. */
  bridge: string;
  /** The default bridge's address and prefix (dockerd's --bip, `172.17.0.1/16`); a free pool when empty. */
  bip: string;
  /** Where networks get subnets from (dockerd's default-address-pools: `{"base":"172.80.0.0/16","size":24}`). */
  defaultAddressPools: { base: string; size: number }[];
  /** Upstream resolvers for the networks' DNS servers (dockerd's --dns); the host's when empty. */
  dns: string[];
}

/** The built-in runtime's name (berth-init through the shim, no runtime binary). */
export const BUILTIN_RUNTIME = 'berth';

/** The configuration berthd runs with when nothing is said. */
export function defaultConfig(): DaemonConfig {
  return {
    root: '/var/lib/berth',
    state: '/run/berth',
    hosts: ['unix:///run/berth/berth.sock'],
    pidfile: '/run/berth/berthd.pid',
    debug: false,
    logLevel: 'info',
    experimental: false,
    runtimes: {},
    defaultRuntime: BUILTIN_RUNTIME,
    registryMirrors: [],
    insecureRegistries: [],
    registries: {},
    bridge: 'berth0',
    bip: '',
    defaultAddressPools: [],
    dns: [],
  };
}

/** daemon.json keys → config fields, with the check each value must pass. */
const FILE_KEYS: Record<
  string,
  { field: keyof DaemonConfig; kind: 'string' | 'bool' | 'strings' | 'object' | 'objects' }
> = {
  'data-root': { field: 'root', kind: 'string' },
  'exec-root': { field: 'state', kind: 'string' },
  hosts: { field: 'hosts', kind: 'strings' },
  pidfile: { field: 'pidfile', kind: 'string' },
  debug: { field: 'debug', kind: 'bool' },
  'log-level': { field: 'logLevel', kind: 'string' },
  experimental: { field: 'experimental', kind: 'bool' },
  runtimes: { field: 'runtimes', kind: 'object' },
  'default-runtime': { field: 'defaultRuntime', kind: 'string' },
  'registry-mirrors': { field: 'registryMirrors', kind: 'strings' },
  'insecure-registries': { field: 'insecureRegistries', kind: 'strings' },
  registries: { field: 'registries', kind: 'object' },
  bridge: { field: 'bridge', kind: 'string' },
  bip: { field: 'bip', kind: 'string' },
  'default-address-pools': { field: 'defaultAddressPools', kind: 'objects' },
  dns: { field: 'dns', kind: 'strings' },
};

/** The settings in a daemon.json text, by config field; errors name the file and the key. */
export function parseConfigFile(text: string, path: string): Partial<DaemonConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `config file "${path}": invalid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new BerthError('InvalidArgument', `config file "${path}": must hold a JSON object`);
  const unknown = Object.keys(raw).filter((k) => !(k in FILE_KEYS));
  if (unknown.length)
    throw new BerthError(
      'InvalidArgument',
      `config file "${path}": the following directives don't match any configuration option: ${unknown.join(', ')}`,
    );
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const { field, kind } = FILE_KEYS[key]!;
    const ok =
      kind === 'string'
        ? typeof value === 'string'
        : kind === 'bool'
          ? typeof value === 'boolean'
          : kind === 'strings'
            ? Array.isArray(value) && value.every((v) => typeof v === 'string')
            : kind === 'objects'
              ? Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null)
              : typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!ok)
      throw new BerthError(
        'InvalidArgument',
        `config file "${path}": "${key}" must be ${kind === 'strings' ? 'a list of strings' : kind === 'objects' ? 'a list of objects' : kind === 'bool' ? 'true or false' : `a ${kind}`}`,
      );
    out[field] = value;
  }
  return out as Partial<DaemonConfig>;
}

/** Reads a config file; a missing default file is no error, a missing named one is. */
export function readConfigFile(path: string, required: boolean): Partial<DaemonConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw wrap(err, `config file "${path}"`);
  }
  return parseConfigFile(text, path);
}

/**
 * Defaults, then the file, then the flags. A setting in both the file and the flags is refused, as
 * dockerd refuses it, so that nobody wonders which one won.
 */
export function resolveConfig(file: Partial<DaemonConfig>, flags: Partial<DaemonConfig>): DaemonConfig {
  const both = Object.keys(flags).filter((k) => k in file);
  if (both.length)
    throw new BerthError(
      'InvalidArgument',
      `the following directives are specified both as a flag and in the configuration file: ${both.join(', ')}`,
    );
  const config: DaemonConfig = { ...defaultConfig(), ...file, ...flags };
  if (!['error', 'warn', 'info', 'debug'].includes(config.logLevel))
    throw new BerthError(
      'InvalidArgument',
      `log-level: unknown level "${config.logLevel}" (want error, warn, info or debug)`,
    );
  if (config.debug) config.logLevel = 'debug';
  for (const [name, rt] of Object.entries(config.runtimes)) {
    if (name === BUILTIN_RUNTIME)
      throw new BerthError(
        'InvalidArgument',
        `runtimes: "${BUILTIN_RUNTIME}" is the built-in runtime's name`,
      );
    if (typeof rt?.path !== 'string' || rt.path === '')
      throw new BerthError(
        'InvalidArgument',
        `runtimes.${name}.path: must be the path of an OCI runtime binary`,
      );
  }
  if (config.defaultRuntime !== BUILTIN_RUNTIME && !(config.defaultRuntime in config.runtimes))
    throw new BerthError('InvalidArgument', `default-runtime: no runtime named "${config.defaultRuntime}"`);
  for (const host of config.hosts) parseHost(host);
  for (const [i, pool] of config.defaultAddressPools.entries())
    if (typeof pool.base !== 'string' || typeof pool.size !== 'number')
      throw new BerthError(
        'InvalidArgument',
        `default-address-pools[${i}]: want {"base": "<CIDR>", "size": <prefix length>}`,
      );
  return config;
}

/** A listen address: a unix socket path, or a TCP host and port. */
export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Parses `unix:///path`, `/path`, or `tcp://host:port` (as dockerd's -H). */
export function parseHost(host: string): ListenAddress {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    if (!path.startsWith('/'))
      throw new BerthError('InvalidArgument', `host "${host}": the socket path must be absolute`);
    return { kind: 'unix', path };
  }
  if (host.startsWith('/')) return { kind: 'unix', path: host };
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(host);
  if (m) return { kind: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  throw new BerthError('InvalidArgument', `host "${host}": want unix:///path or tcp://host:port`);
}
