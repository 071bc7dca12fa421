// berthd's network service: the one NetworkManager of the daemon (state under --exec-root, definitions
// under --data-root, src/network/STATE.md), with a DNS server per user network, in docker's shapes for
// the API routes (dockerapi/networks.ts), and the network events dockerd publishes (create, destroy,
// connect, disconnect). Attaching a container goes through the container service, which owns the
// container's sandbox; it plugs itself in with `attachContainers`.
import { join } from 'node:path';
import { BerthError } from '../../../base/errors.js';
import type { Logger } from '../../../base/log.js';
import {
  createRequestFromDocker,
  DnsService,
  dockerNetwork,
  NetworkManager,
  type AddressPool,
  type DockerNetwork,
  type DockerNetworkCreate,
  type NetworkRecord,
  type RecoveryReport,
} from '../../../network/index.js';
import { networkListFilter, networkPruneFilter } from './filters.js';

/** Publishes an event (the daemon's event bus). */
export type PublishEvent = (
  type: 'network' | 'volume',
  action: string,
  id: string,
  attributes: Record<string, string>,
) => void;

/** docker's EndpointConfig of POST /networks/{id}/connect, as far as a bridge network reads it. */
export interface EndpointConfig {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Aliases?: string[] | null;
  Links?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

/** What the container service does for `network connect` / `disconnect` (it owns the sandboxes). */
export interface ContainerAttachments {
  /** Connects a container (by reference) to a network; the network is already resolved. */
  connect(container: string, network: NetworkRecord, config: EndpointConfig): Promise<void>;
  /** Disconnects a container (by reference) from a network. */
  disconnect(container: string, network: NetworkRecord, force: boolean): Promise<void>;
}

/** How the daemon configures networking (dockerd's bridge, bip, default-address-pools, dns). */
export interface NetworkSettings {
  /** The default bridge's device ("berth0"), or "none" for no default bridge (dockerd's --bridge=none). */
  bridge?: string;
  /** The default bridge's gateway address with prefix (dockerd's --bip, `172.17.0.1/16`). */
  bip?: string;
  /** Pools user networks get their subnets from. */
  addressPools?: AddressPool[];
  /** Upstream resolvers for the networks' DNS servers; the host's resolv.conf's when absent. */
  dns?: string[];
}

/** Options of NetworkService.open. */
export interface NetworkServiceOptions extends NetworkSettings {
  root: string;
  state: string;
  log: Logger;
  publish: PublishEvent;
}

/** The result of POST /networks/prune. */
export interface NetworksPruneReport {
  NetworksDeleted: string[];
}

/** The daemon's networks. */
export class NetworkService {
  private attachments: ContainerAttachments | undefined;

  private constructor(
    /** The manager the container service attaches sandboxes with. */
    readonly manager: NetworkManager,
    private readonly publish: PublishEvent,
    private readonly state: string,
  ) {}

  /** Opens the state (re-programs bridges, iptables and DNS); containers are recovered later. */
  static async open(opts: NetworkServiceOptions): Promise<NetworkService> {
    const names = new DnsService({
      log: opts.log,
      ...(opts.dns?.length && { upstreams: opts.dns.map((address) => ({ address, port: 53 })) }),
    });
    const bip = opts.bip ? bipSubnet(opts.bip) : undefined;
    const manager = await NetworkManager.open({
      root: opts.root,
      state: opts.state,
      defaultBridge:
        opts.bridge === 'none'
          ? false
          : {
              ...(opts.bridge && { device: opts.bridge }),
              ...(bip && { subnet: bip.subnet, gateway: bip.gateway }),
            },
      ...(opts.addressPools?.length && { addressPools: opts.addressPools }),
      names,
      log: opts.log.with({ module: 'network' }),
    });
    return new NetworkService(manager, opts.publish, opts.state);
  }

  /**
   * Where a container's sandbox is (or will be) mounted: `<state>/netns/<id>` (network/STATE.md), known
   * before it exists so that a container's spec can name it at create.
   */
  sandboxPathOf(containerId: string): string {
    return join(this.state, 'netns', containerId);
  }

  /** The default bridge's gateway (what `--add-host name:host-gateway` names), if there is a default bridge. */
  defaultGateway(): string | undefined {
    return this.manager.listNetworks().find((n) => n.isDefault)?.gateway;
  }

  /** The IDs of the predefined host and none networks. */
  predefinedIds(): { host: string; none: string } {
    const all = this.manager.listNetworks();
    return {
      host: all.find((n) => n.driver === 'host')?.id ?? '',
      none: all.find((n) => n.driver === 'null')?.id ?? '',
    };
  }

  /** Lets the container service carry out connect and disconnect. */
  attachContainers(attachments: ContainerAttachments): void {
    this.attachments = attachments;
  }

  /** GET /networks: every network that passes the filters, predefined ones included. */
  list(filters: Map<string, string[]>): DockerNetwork[] {
    const keep = networkListFilter(filters);
    return this.manager
      .listNetworks()
      .filter((n) => keep(n, { inUse: this.endpointsOf(n).length > 0 }))
      .map((n) => dockerNetwork(n));
  }

  /** GET /networks/{id}: the network and its containers. */
  inspect(ref: string): DockerNetwork {
    const net = this.manager.getNetwork(ref);
    return dockerNetwork(net, this.endpointsOf(net));
  }

  /** A network by reference (full ID, name, unique ID prefix); 404 "network x not found". */
  get(ref: string): NetworkRecord {
    return this.manager.getNetwork(ref);
  }

  /** POST /networks/create. */
  async create(body: DockerNetworkCreate): Promise<{ Id: string; Warning: string }> {
    const net = await this.manager.createNetwork(createRequestFromDocker(body));
    this.publish('network', 'create', net.id, { name: net.name, type: net.driver });
    return { Id: net.id, Warning: '' };
  }

  /** DELETE /networks/{id}. */
  async remove(ref: string): Promise<void> {
    const net = this.manager.getNetwork(ref);
    await this.manager.removeNetwork(net.id);
    this.publish('network', 'destroy', net.id, { name: net.name, type: net.driver });
  }

  /** POST /networks/prune: user networks without containers that pass the filters. */
  async prune(filters: Map<string, string[]>): Promise<NetworksPruneReport> {
    const keep = networkPruneFilter(filters);
    const before = new Map(this.manager.listNetworks().map((n) => [n.name, n]));
    const removed = await this.manager.pruneNetworks((n) => !keep(n));
    for (const name of removed) {
      const net = before.get(name);
      if (net) this.publish('network', 'destroy', net.id, { name, type: net.driver });
    }
    return { NetworksDeleted: removed };
  }

  /** POST /networks/{id}/connect. */
  async connect(ref: string, container: string, config: EndpointConfig): Promise<void> {
    const net = this.manager.getNetwork(ref);
    await this.containers().connect(container, net, config ?? {});
  }

  /** POST /networks/{id}/disconnect. */
  async disconnect(ref: string, container: string, force: boolean): Promise<void> {
    const net = this.manager.getNetwork(ref);
    await this.containers().disconnect(container, net, force);
  }

  /** Publishes a container's connect or disconnect event (dockerd's attributes: container, name, type). */
  containerEvent(action: 'connect' | 'disconnect', net: NetworkRecord, containerId: string): void {
    this.publish('network', action, net.id, { container: containerId, name: net.name, type: net.driver });
  }

  /** After the containers are re-adopted: tears down what containers that are gone left behind. */
  recover(isAlive: (containerId: string) => boolean): Promise<RecoveryReport> {
    return this.manager.recover(isAlive);
  }

  /** Stops the DNS servers; networks and containers stay as they are (the daemon's shutdown). */
  close(): Promise<void> {
    return this.manager.close();
  }

  private endpointsOf(net: NetworkRecord): ReturnType<NetworkManager['networkEndpoints']> {
    return net.driver === 'bridge' ? this.manager.networkEndpoints(net.id) : [];
  }

  private containers(): ContainerAttachments {
    if (!this.attachments)
      throw new BerthError('Unavailable', 'network connect: the container service is not running');
    return this.attachments;
  }
}

/** dockerd's --bip (`172.17.0.1/16`): the gateway address and the subnet it lies in. */
export function bipSubnet(bip: string): { subnet: string; gateway: string } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(bip);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix < 1 || prefix > 30)
    throw new BerthError(
      'InvalidArgument',
      `bip: invalid address "${bip}" (want an address with a prefix, like 172.17.0.1/16)`,
    );
  const addr = octets.reduce((a, o) => (a << 8) + o, 0) >>> 0;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const net = (addr & mask) >>> 0;
  const text = [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
  return { subnet: `${text}/${prefix}`, gateway: octets.join('.') };
}
