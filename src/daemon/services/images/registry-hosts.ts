// The daemon config's registry settings as the registry client's host configuration, for one registry
// host at a time (dockerd's daemon.json keys, plus Berth's per-host "registries"):
//
//   "registry-mirrors":     ["http://127.0.0.1:5001"]          mirrors of docker.io, tried first
//   "insecure-registries":  ["reg.lan:5000", "10.0.0.0/8"]     hosts, or CIDRs matched against an IP host
//   "registries":           {"registry.k8s.io": {"mirrors": [...], "insecure": true, "ca": "/etc/x.pem"}}
//
// 127.0.0.0/8, ::1 and localhost are insecure whatever the config says, as in docker (registry/hosts.ts).
import type { DaemonConfig } from '../../config.js';
import type { HostsConfig, RegistryHost } from '../../../images/registry/index.js';

/** The client host configuration for pulls and pushes of `domain` under `config`. */
export function hostsFor(config: DaemonConfig, domain: string): HostsConfig {
  const hosts: Record<string, RegistryHost> = {};
  const merge = (host: string, add: RegistryHost): void => {
    hosts[host] = { ...hosts[host], ...add };
  };
  for (const [host, h] of Object.entries(config.registries)) {
    merge(host, {
      ...(h.mirrors ? { mirrors: h.mirrors } : {}),
      ...(h.insecure !== undefined ? { insecure: h.insecure } : {}),
      ...(h.ca !== undefined ? { caFile: h.ca } : {}),
    });
  }
  if (config.registryMirrors.length > 0)
    merge('docker.io', { mirrors: [...(hosts['docker.io']?.mirrors ?? []), ...config.registryMirrors] });
  for (const entry of config.insecureRegistries) {
    if (!entry.includes('/')) merge(entry, { insecure: true });
    else if (inCidr(hostName(domain), entry)) merge(domain, { insecure: true });
  }
  return { hosts };
}

/** The host of "host:port" or "[v6]:port". */
function hostName(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.lastIndexOf(':');
  return colon === -1 ? domain : domain.slice(0, colon);
}

/** Whether an IPv4 address lies in an IPv4 CIDR ("10.0.0.0/8"); anything else does not. */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const a = ipv4(ip);
  const b = ipv4(net ?? '');
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}
