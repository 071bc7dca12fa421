// The /etc/hostname, /etc/hosts and /etc/resolv.conf a docker container gets (moby's libnetwork etchosts
// and resolvconf): the host's resolver minus loopback nameservers (unreachable from another network
// namespace), or what --dns, --dns-search and --dns-option say; the container's own names in hosts.
import { BerthError } from '../../../base/errors.js';

/** /etc/hostname. */
export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** One `--add-host name:ip` entry, checked (`host-gateway` resolved by the caller). */
export function parseExtraHost(entry: string, gateway?: string): { name: string; ip: string } {
  const colon = entry.indexOf(':');
  if (colon <= 0) throw new BerthError('InvalidArgument', `invalid extra host entry: "${entry}"`);
  const name = entry.slice(0, colon);
  let ip = entry.slice(colon + 1).replace(/^\[|\]$/g, '');
  if (ip === 'host-gateway') {
    if (!gateway) throw new BerthError('InvalidArgument', 'unable to derive the IP value for host-gateway');
    ip = gateway;
  }
  if (!/^[\d.]+$/.test(ip) && !ip.includes(':'))
    throw new BerthError('InvalidArgument', `invalid IP address in add-host: "${ip}"`);
  return { name, ip };
}

/** /etc/hosts: the loopback and IPv6 defaults, the container's own address, then --add-host entries. */
export function hostsFile(opts: {
  hostname: string;
  domainname?: string;
  ips: string[];
  aliases?: string[];
  extraHosts?: { name: string; ip: string }[];
}): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  const names = [
    opts.domainname ? `${opts.hostname}.${opts.domainname}` : '',
    opts.hostname,
    ...(opts.aliases ?? []),
  ]
    .filter(Boolean)
    .join(' ');
  for (const ip of opts.ips) lines.push(`${ip}\t${names}`);
  for (const h of opts.extraHosts ?? []) lines.push(`${h.ip}\t${h.name}`);
  return lines.join('\n') + '\n';
}

/** The parts of a resolv.conf that docker rewrites. */
export interface Resolver {
  nameservers: string[];
  search: string[];
  options: string[];
}

/** Parses resolv.conf(5) text (other lines are dropped, as libnetwork keeps only these). */
export function parseResolvConf(text: string): Resolver {
  const r: Resolver = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) r.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') r.search = rest;
    else if (key === 'options') r.options.push(...rest);
  }
  return r;
}

const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

/**
 * The container's resolv.conf: --dns/--dns-search/--dns-option where given, else the host's; loopback
 * nameservers are removed for a container in its own network namespace (host networking keeps them).
 * `embedded` (a user-defined network's DNS server) replaces the nameservers and forwards to them.
 */
export function resolvConfFile(
  host: Resolver,
  opts: {
    dns?: string[];
    dnsSearch?: string[];
    dnsOptions?: string[];
    hostNetwork: boolean;
    embedded?: string;
  },
): string {
  let nameservers = opts.dns?.length ? opts.dns : host.nameservers;
  if (!opts.hostNetwork) nameservers = nameservers.filter((ns) => !isLoopback(ns));
  if (opts.embedded) nameservers = [opts.embedded];
  const search = opts.dnsSearch?.length ? opts.dnsSearch.filter((s) => s !== '.') : host.search;
  const options = opts.dnsOptions?.length ? opts.dnsOptions : host.options;
  const lines: string[] = [];
  for (const ns of nameservers) lines.push(`nameserver ${ns}`);
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}
