// The pod's /etc/resolv.conf: from CRI's DNSConfig when kubelet gives one (resolv.conf(5): nameserver,
// search, options lines), else the host's, as containerd's CRI plugin does for hostNetwork pods and for
// pods without a DNS policy.
import { readFileSync } from 'node:fs';
import { invalid } from '../../base/errors.js';
import type { DnsConfig } from '../messages.js';

/** resolv.conf(5) text for `dns`, or the host's file when `dns` says nothing. */
export function resolvConf(dns: DnsConfig | null | undefined, hostFile = '/etc/resolv.conf'): string {
  const servers = dns?.servers ?? [];
  const searches = dns?.searches ?? [];
  const options = dns?.options ?? [];
  if (!servers.length && !searches.length && !options.length) {
    try {
      return readFileSync(hostFile, 'utf8');
    } catch {
      return '';
    }
  }
  for (const [field, values] of [
    ['dns_config.servers', servers],
    ['dns_config.searches', searches],
    ['dns_config.options', options],
  ] as const)
    for (const v of values)
      if (!v || /\s/.test(v)) throw invalid(field, `"${v}" is empty or holds white space`);
  const lines = servers.map((s) => `nameserver ${s}`);
  // resolv.conf(5): one search line; the resolver reads at most the last one.
  if (searches.length) lines.push(`search ${searches.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}
