// The networking library's terms and records. Lifecycle, as berthd drives it:
//
//   manager = await NetworkManager.open({ root, state })  load networks, re-program bridges, iptables, DNS
//   net = await manager.createNetwork({ name: 'web' })     bridge device + isolation rules + DNS server
//   netns = await manager.createSandbox(cid)               <state>/netns/<cid>, loopback up (CNI loopback)
//   ep = await manager.connect(cid, 'web', { name })        CNI ADD bridge → portmap; DNS names registered
//   ...the container runs with linux.namespaces [{ type: 'network', path: netns }]
//   await manager.disconnect(cid, 'web')                   CNI DEL in reverse order, names unregistered
//   await manager.removeSandbox(cid)                       every attachment DEL'd, netns unmounted
//   await manager.removeNetwork('web')                     rules, DNS server, bridge and leases removed
//   await manager.recover(liveIds)                         after a restart: tear down what dead containers left
//
// docker's other modes need no CNI: `--network none` is createSandbox alone (a namespace with only lo),
// `--network container:<id>` joins sandboxPath(<id>), `--network host` makes no namespace at all.
//
// A *network* is a definition (NetworkRecord, persisted under the root dir). A *sandbox* is a container's
// network namespace. An *attachment* (CNI's word: one (container ID, ifname) pair, SPEC.md section 3) joins
// a sandbox to a network; Docker calls it an *endpoint* and so does the Endpoint this library returns.

/** The driver of a network: `bridge` (CNI bridge), or docker's predefined `host` and `null` (none). */
export type NetworkDriver = 'bridge' | 'host' | 'null';

/** A network's definition as stored (one JSON document per network, STATE.md). */
export interface NetworkRecord {
  /** 64 hex digits, as docker's network IDs. */
  id: string;
  /** Unique name; also the CNI network name (host-local's lease directory, iptables comments). */
  name: string;
  /** Always `bridge` for stored networks; host and none are predefined and never stored. */
  driver: NetworkDriver;
  /** RFC 3339 creation time. */
  created: string;
  /** The IPv4 subnet, e.g. `172.18.0.0/16`. */
  subnet: string;
  /** The bridge's address and the containers' default gateway. */
  gateway: string;
  /** Where dynamic addresses come from (a block inside the subnet), when not the whole subnet. */
  ipRange?: string;
  /** Whether the subnet was given by the user: only then are static addresses (`--ip`) allowed. */
  userSubnet: boolean;
  /** The bridge device on the host (`berth0`, `br-<12 hex of id>`). */
  bridge: string;
  /** No route out, no masquerade, no forwarding to or from other interfaces. */
  internal: boolean;
  /** docker's flag, kept for inspect (local networks are always attachable here). */
  attachable: boolean;
  /** User metadata. */
  labels: Record<string, string>;
  /** Driver options as given (com.docker.network.bridge.*, com.docker.network.driver.mtu). */
  options: Record<string, string>;
  /** The default `bridge` network: cannot be removed; no DNS by name, no aliases, no static IPs. */
  isDefault: boolean;
}

/** What `network create` asks for (docker's NetworkCreateRequest, reduced to what a bridge network uses). */
export interface CreateNetworkRequest {
  /** The network's name. */
  name: string;
  /** `bridge` or empty. */
  driver?: string;
  /** IPv4 subnet; allocated from the address pools when absent. */
  subnet?: string;
  /** Gateway address inside the subnet; the first address when absent. */
  gateway?: string;
  /** Sub-block of the subnet for dynamic addresses. */
  ipRange?: string;
  /** Restrict external access. */
  internal?: boolean;
  /** Swarm's flag, recorded only. */
  attachable?: boolean;
  /** User metadata. */
  labels?: Record<string, string>;
  /** Driver options. */
  options?: Record<string, string>;
  /** IPv6 is not supported yet: true is refused. */
  enableIPv6?: boolean;
  /** IPAM driver: `default` or empty. */
  ipamDriver?: string;
}

/** One published port, as the CNI portMappings capability carries it (CONVENTIONS.md). */
export interface PortMapping {
  /** Port on the host; 0 in a request means "pick a free one" (`-P`). */
  hostPort: number;
  /** Port inside the container. */
  containerPort: number;
  /** `tcp`, `udp` or `sctp`. */
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Host address to bind; empty or absent means every address. */
  hostIP?: string;
}

/** What `connect` needs besides the container ID and the network. */
export interface ConnectRequest {
  /** The container's name (without docker's leading slash): a DNS name on user networks. */
  name: string;
  /** The container's hostname: also a DNS name (docker's DNSNames). */
  hostname?: string;
  /** Network-scoped aliases (`--network-alias`; compose passes its service name here too). */
  aliases?: string[];
  /** The container's labels: `com.docker.compose.service` makes the service name a DNS name as well. */
  labels?: Record<string, string>;
  /** A static address (`--ip`), only on networks with a user-configured subnet. */
  ipv4Address?: string;
  /** Ports to publish. */
  portMappings?: PortMapping[];
  /**
   * The container's own DNS servers (`--dns`): on a network that serves names, the network's server
   * forwards this container's other queries to them instead of the host's resolvers (docker's ExtDNS).
   */
  dnsServers?: string[];
}

/** A container's attachment to one network, as docker's EndpointSettings reports it. */
export interface Endpoint {
  /** The container. */
  containerId: string;
  /** The container's name, as given to connect. */
  name: string;
  /** The network's ID. */
  networkId: string;
  /** The network's name. */
  networkName: string;
  /** 64 hex digits. */
  endpointId: string;
  /** The interface inside the container (`eth0`, `eth1`, ...). */
  ifname: string;
  /** The network namespace's path. */
  netns: string;
  /** The container's IPv4 address, without prefix. */
  ipv4Address: string;
  /** The subnet's prefix length. */
  prefixLen: number;
  /** The gateway address; empty on internal networks (no default route). */
  gateway: string;
  /** The interface's MAC address. */
  macAddress: string;
  /** Aliases as requested. */
  aliases: string[];
  /** The static address asked for (`--ip`), if any. */
  staticIPv4?: string;
  /** Every name other containers of the network can resolve (name, aliases, short ID, hostname). */
  dnsNames: string[];
  /** Published ports with the host ports actually used. */
  ports: PortMapping[];
  /** The DNS server for this container's resolv.conf, when the network serves names. */
  dnsServer?: string;
  /** The host-side veth, for diagnostics. */
  hostVeth?: string;
}

/** One endpoint's names on a network, as the DNS side serves them. */
export interface NameEntry {
  /** The endpoint (unique per attachment). */
  endpointId: string;
  /** Names that resolve to `ipv4` (the first is the container's name, used for PTR answers). */
  names: string[];
  /** The endpoint's address. */
  ipv4: string;
  /** Where queries from this endpoint that no name of the network answers go (port 53); the host's resolvers when absent. */
  dnsServers?: string[];
}

/** What the manager tells the DNS side as networks come and go and containers attach and detach. */
export interface NameService {
  /** Starts serving a network (its gateway address must exist on the host). */
  startNetwork(net: NetworkRecord): Promise<void>;
  /** Stops serving a network and forgets its names. */
  stopNetwork(networkId: string): Promise<void>;
  /** Adds an endpoint's names. */
  register(networkId: string, entry: NameEntry): void;
  /** Removes an endpoint's names. */
  unregister(networkId: string, endpointId: string): void;
  /** Stops every server (the daemon's shutdown; nothing is torn down). */
  close(): Promise<void>;
}
