// The names of one network: what its endpoints registered (container name, aliases, short ID, hostname,
// and compose service names passed as aliases). Lookups are case-insensitive (RFC 4343) and also accept
// `<name>.<network>`, as docker's embedded DNS does; an alias shared by several containers answers with
// every address (round robin is the resolver's business).
import type { NameEntry } from '../types.js';

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** Names → addresses and addresses → names of one network. */
export class NameTable {
  private readonly entries = new Map<string, NameEntry>();

  /** The network's name (for `<name>.<network>` and PTR answers). */
  constructor(public networkName: string) {}

  /** Adds or replaces an endpoint's names. */
  register(entry: NameEntry): void {
    this.entries.set(entry.endpointId, { ...entry, names: entry.names.map(normalize) });
  }

  /** Removes an endpoint's names. */
  unregister(endpointId: string): void {
    this.entries.delete(endpointId);
  }

  /** Number of endpoints with names. */
  get size(): number {
    return this.entries.size;
  }

  /** The IPv4 addresses of a name, or undefined when the name is not on this network. */
  lookup(name: string): string[] | undefined {
    let n = normalize(name);
    const suffix = `.${normalize(this.networkName)}`;
    const ips: string[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for (const e of this.entries.values())
        if (e.names.includes(n) && !ips.includes(e.ipv4)) ips.push(e.ipv4);
      if (ips.length || !n.endsWith(suffix)) break;
      n = n.slice(0, -suffix.length);
    }
    return ips.length ? ips.sort() : undefined;
  }

  /** The DNS servers of the endpoint at `ipv4`, when it has its own (ConnectRequest.dnsServers). */
  dnsServersOf(ipv4: string): string[] | undefined {
    for (const e of this.entries.values()) if (e.ipv4 === ipv4 && e.dnsServers?.length) return e.dnsServers;
    return undefined;
  }

  /** The PTR answer for an address: `<first name>.<network>`, as docker answers. */
  reverse(ipv4: string): string | undefined {
    for (const e of this.entries.values())
      if (e.ipv4 === ipv4 && e.names[0]) return `${e.names[0]}.${this.networkName}`;
    return undefined;
  }
}

/** The IPv4 address an `in-addr.arpa` name stands for (RFC 1035 3.5), or undefined. */
export function addressOfReverseName(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!m) return undefined;
  const octets = [m[4], m[3], m[2], m[1]].map(Number);
  return octets.every((o) => o <= 255) ? octets.join('.') : undefined;
}
