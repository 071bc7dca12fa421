// Per-registry host configuration, the part of the daemon's config that says how to reach a registry:
//
//   { "hosts": {
//       "docker.io":       { "mirrors": ["http://127.0.0.1:5001"] },
//       "registry.k8s.io": { "mirrors": ["https://mirror.internal"], "caFile": "/etc/berth/ca.pem" },
//       "reg.lan:5000":    { "insecure": true },        // TLS unverified, http if https fails (docker's rule)
//       "plain.lan":       { "plainHttp": true } } }    // http only
//
// Mirrors serve pulls of any registry's repositories under the same path (docker's registry-mirrors, but for
// every host, as containerd's hosts.toml allows); they are tried in order before the registry itself, and a
// mirror that fails or lacks the content is passed over. Pushes go to the registry only. As in docker,
// 127.0.0.0/8, ::1 and localhost are insecure by default.
import { readFileSync } from 'node:fs';
import { BerthError, wrap } from '../../base/errors.js';

/** How to reach one registry host. */
export interface RegistryHost {
  /** Endpoint URLs ("http://127.0.0.1:5001", "https://mirror/") tried first for pulls. */
  mirrors?: string[];
  /** Skip TLS verification and fall back to http when https fails. */
  insecure?: boolean;
  /** Speak plain http only. */
  plainHttp?: boolean;
  /** PEM file of CAs to trust for this host. */
  caFile?: string;
}

/** The client's host configuration: per host (as written in references: "docker.io", "reg:5000"). */
export interface HostsConfig {
  hosts?: Record<string, RegistryHost>;
}

/** One place to send requests for a repository. */
export interface Endpoint {
  /** Base URL without /v2: "https://registry-1.docker.io". Its scheme is the first one tried. */
  base: URL;
  /** The reference's registry host: credentials are looked up under it (for mirrors, under the mirror's host). */
  host: string;
  /** A mirror (pull only; failures fall through to the next endpoint). */
  mirror: boolean;
  /** Skip TLS verification; http is tried when https fails. */
  insecure: boolean;
  /** Extra CAs (PEM) for TLS. */
  ca?: Buffer | undefined;
}

/** Where docker.io's API actually lives. */
const DOCKER_HUB_API = 'registry-1.docker.io';

/** Whether a host (with optional port) is loopback: insecure by default, as docker treats 127.0.0.0/8. */
export function isLoopback(host: string): boolean {
  let name = host;
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'));
  else if (name.includes(':')) name = name.slice(0, name.lastIndexOf(':'));
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

function readCa(file: string | undefined, host: string): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw wrap(err, `registry host "${host}": caFile "${file}"`);
  }
}

function endpointFor(url: string, host: string, mirror: boolean, config: HostsConfig): Endpoint {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new BerthError('InvalidArgument', `registry host "${host}": mirror "${url}" is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new BerthError('InvalidArgument', `registry host "${host}": mirror "${url}" must be http or https`);
  const own = config.hosts?.[base.host] ?? {};
  const insecure = own.insecure ?? isLoopback(base.host);
  base.pathname = base.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
  return { base, host: base.host, mirror, insecure, ca: readCa(own.caFile, base.host) };
}

/** The endpoints to try for `domain` (a reference's domain), in order. */
export function endpointsFor(domain: string, config: HostsConfig, purpose: 'pull' | 'push'): Endpoint[] {
  const h = config.hosts?.[domain] ?? {};
  const out: Endpoint[] = [];
  if (purpose === 'pull') for (const m of h.mirrors ?? []) out.push(endpointFor(m, domain, true, config));
  const apiHost = domain === 'docker.io' ? DOCKER_HUB_API : domain;
  const scheme = h.plainHttp ? 'http' : 'https';
  out.push({
    base: new URL(`${scheme}://${apiHost}`),
    host: domain,
    mirror: false,
    insecure: h.insecure ?? isLoopback(domain),
    ca: readCa(h.caFile, domain),
  });
  return out;
}
