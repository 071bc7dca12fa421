// The DNS side of the network manager (types.ts NameService): one server per user network on its
// gateway, one name table per network, and forwarding to the host's resolvers. Tables outlive a server
// that failed to start, so names registered meanwhile are served once it does.
import type { Logger } from '../../base/log.js';
import type { NameEntry, NameService, NetworkRecord } from '../types.js';
import { NameTable } from './names.js';
import { NetworkDnsServer } from './server.js';
import { forwardTcp, forwardUdp, upstreamsFromResolvConf, type Upstream } from './upstream.js';

/** How the DNS side is set up. */
export interface DnsServiceOptions {
  /** Fixed upstreams (dockerd's --dns for the daemon itself); resolv.conf's otherwise. */
  upstreams?: Upstream[];
  /** resolv.conf files to read upstreams from, first match wins. */
  resolvConf?: string[];
  /** The port to serve on; 53. */
  port?: number;

  /** Where to log. */
  log?: Logger;
}

/** NameService on real sockets. */
export class DnsService implements NameService {
  private readonly servers = new Map<string, NetworkDnsServer>();
  private readonly tables = new Map<string, NameTable>();

  constructor(private readonly opts: DnsServiceOptions = {}) {}

  /** The upstreams queries are forwarded to now (never one of our own servers). */
  upstreams(): Upstream[] {
    if (this.opts.upstreams) return this.opts.upstreams;
    const ours = [...this.servers.values()].map((s) => s.address);
    return upstreamsFromResolvConf(this.opts.resolvConf, ours);
  }

  /** A client's upstreams: its own DNS servers (docker's --dns), else the daemon's. */
  private upstreamsFor(table: NameTable, client: string): Upstream[] {
    const own = table.dnsServersOf(client);
    return own ? own.map((address) => ({ address, port: 53 })) : this.upstreams();
  }

  async startNetwork(net: NetworkRecord): Promise<void> {
    const table = this.table(net.id);
    table.networkName = net.name;
    const running = this.servers.get(net.id);
    if (running?.address === net.gateway) return;
    await running?.stop();
    this.servers.delete(net.id);
    const server = new NetworkDnsServer(
      net.gateway,
      this.opts.port ?? 53,
      {
        table,
        subnet: net.subnet,
        forward: (query, transport, source) =>
          (transport === 'tcp' ? forwardTcp : forwardUdp)(query, this.upstreamsFor(table, source)),
      },
      this.opts.log,
    );
    await server.start();
    this.servers.set(net.id, server);
  }

  async stopNetwork(networkId: string): Promise<void> {
    const server = this.servers.get(networkId);
    this.servers.delete(networkId);
    this.tables.delete(networkId);
    await server?.stop();
  }

  register(networkId: string, entry: NameEntry): void {
    this.table(networkId).register(entry);
  }

  unregister(networkId: string, endpointId: string): void {
    this.tables.get(networkId)?.unregister(endpointId);
  }

  async close(): Promise<void> {
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map((s) => s.stop()));
  }

  /** The addresses servers listen on now, by network ID (for diagnostics and tests). */
  listening(): Record<string, string> {
    return Object.fromEntries([...this.servers].map(([id, s]) => [id, `${s.address}:${s.port}`]));
  }

  private table(networkId: string): NameTable {
    let t = this.tables.get(networkId);
    if (!t) this.tables.set(networkId, (t = new NameTable('')));
    return t;
  }
}
