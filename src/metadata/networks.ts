// Network records of one namespace (issue 7): user-defined and default networks, and the endpoints that
// attach containers to them (address, MAC, DNS aliases). The database enforces what Docker refuses: two
// networks of one name, one address twice on a network, and removing a network that still has endpoints.
// Endpoints go with their container (ON DELETE CASCADE); the network code tears down the veth first.
import { BerthError } from '../base/errors.js';
import { checkLabels } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import { fromJson, isForeignKeyViolation, isUniqueViolation, nowText, toJson } from './row-codec.js';

/** A network. */
export interface Network {
  id: string;
  /** Unique in the namespace. */
  name: string;
  /** "bridge" (the CNI bridge plugin), "host", "null". */
  driver: string;
  /** "local". */
  scope: string;
  /** The Linux bridge device. */
  bridge?: string;
  /** IPv4 subnet (CIDR), gateway and the range addresses are allocated from. */
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  /** IPv6 subnet and gateway. */
  subnet6?: string;
  gateway6?: string;
  /** No route out of the network. */
  internal: boolean;
  /** Containers may be attached by hand (Docker's attachable). */
  attachable: boolean;
  /** Driver options (Docker's Options). */
  options: Record<string, string>;
  labels: Record<string, string>;
  createdAt: Date;
}

/** What create needs; the rest has defaults. */
export type NewNetwork = Pick<Network, 'id' | 'name'> & Partial<Omit<Network, 'id' | 'name' | 'createdAt'>>;

/** A container's attachment to a network. */
export interface Endpoint {
  networkId: string;
  containerId: string;
  endpointId: string;
  /** The interface name inside the container, e.g. "eth0". */
  interface: string;
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  /** DNS names the container answers to on this network (container name, service, --network-alias). */
  aliases: string[];
  createdAt: Date;
}

/** What connect needs. */
export type NewEndpoint = Pick<Endpoint, 'networkId' | 'containerId' | 'endpointId'> &
  Partial<Omit<Endpoint, 'networkId' | 'containerId' | 'endpointId' | 'createdAt'>>;

/** The networks of one namespace. */
export class Networks {
  constructor(
    private readonly db: SqliteDatabase,
    readonly namespace: string,
    private readonly ensureNamespace: () => void,
  ) {}

  /** Creates a network; AlreadyExists if the id or name is taken. */
  create(n: NewNetwork): Network {
    if (!n.id || !n.name) throw new BerthError('InvalidArgument', 'network: id and name must not be empty');
    checkLabels(n.labels ?? {}, `network "${n.name}"`);
    this.ensureNamespace();
    try {
      this.db
        .prepare(
          `INSERT INTO networks (namespace, id, name, driver, scope, bridge, subnet, gateway, ip_range, subnet6,
             gateway6, internal, attachable, options, labels, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          this.namespace,
          n.id,
          n.name,
          n.driver ?? 'bridge',
          n.scope ?? 'local',
          n.bridge ?? null,
          n.subnet ?? null,
          n.gateway ?? null,
          n.ipRange ?? null,
          n.subnet6 ?? null,
          n.gateway6 ?? null,
          n.internal ? 1 : 0,
          n.attachable ? 1 : 0,
          toJson(n.options ?? {}),
          toJson(n.labels ?? {}),
          nowText(),
        );
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const byName = this.db
        .prepare('SELECT 1 FROM networks WHERE namespace = ? AND name = ?')
        .get(this.namespace, n.name);
      throw new BerthError(
        'AlreadyExists',
        byName ? `network with name "${n.name}" already exists` : `network "${n.id}": already exists`,
      );
    }
    return this.get(n.id);
  }

  /** A network by id or name; NotFound if neither. */
  get(idOrName: string): Network {
    const row = this.db
      .prepare(
        'SELECT * FROM networks WHERE namespace = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1',
      )
      .get(this.namespace, idOrName, idOrName, idOrName) as NetworkRow | undefined;
    if (!row) throw new BerthError('NotFound', `network "${idOrName}": not found`);
    return toNetwork(row);
  }

  /** Every network, by name. */
  list(): Network[] {
    return (
      this.db
        .prepare('SELECT * FROM networks WHERE namespace = ? ORDER BY name')
        .all(this.namespace) as NetworkRow[]
    ).map(toNetwork);
  }

  /** Deletes a network without endpoints; FailedPrecondition naming an attached container otherwise. */
  delete(id: string): void {
    const n = this.get(id);
    const user = this.endpoints(n.id)[0];
    if (user)
      throw new BerthError(
        'FailedPrecondition',
        `network "${n.name}": has active endpoints (container "${user.containerId}")`,
      );
    this.db.prepare('DELETE FROM networks WHERE namespace = ? AND id = ?').run(this.namespace, n.id);
  }

  /** Attaches a container; AlreadyExists if attached already or the address is taken on this network. */
  connect(e: NewEndpoint): Endpoint {
    const net = this.get(e.networkId);
    try {
      this.db
        .prepare(
          `INSERT INTO network_endpoints (namespace, network_id, container_id, endpoint_id, interface, ipv4, ipv6, mac,
             aliases, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          this.namespace,
          net.id,
          e.containerId,
          e.endpointId,
          e.interface ?? 'eth0',
          e.ipv4 ?? null,
          e.ipv6 ?? null,
          e.mac ?? null,
          JSON.stringify(e.aliases ?? []),
          nowText(),
        );
    } catch (err) {
      if (isForeignKeyViolation(err))
        throw new BerthError('NotFound', `container "${e.containerId}": not found`);
      if (!isUniqueViolation(err)) throw err;
      const attached = this.endpoints(net.id).some((x) => x.containerId === e.containerId);
      throw new BerthError(
        'AlreadyExists',
        attached
          ? `container "${e.containerId}" is already attached to network "${net.name}"`
          : `address "${e.ipv4}" is already in use on network "${net.name}"`,
      );
    }
    return this.endpoints(net.id).find((x) => x.containerId === e.containerId)!;
  }

  /** Detaches a container; NotFound if it is not attached. */
  disconnect(networkId: string, containerId: string): void {
    const net = this.get(networkId);
    const result = this.db
      .prepare('DELETE FROM network_endpoints WHERE namespace = ? AND network_id = ? AND container_id = ?')
      .run(this.namespace, net.id, containerId);
    if (result.changes === 0)
      throw new BerthError('NotFound', `container "${containerId}" is not attached to network "${net.name}"`);
  }

  /** The endpoints of a network. */
  endpoints(networkId: string): Endpoint[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM network_endpoints WHERE namespace = ? AND network_id = ? ORDER BY created_at, container_id',
        )
        .all(this.namespace, networkId) as EndpointRow[]
    ).map(toEndpoint);
  }

  /** The endpoints of a container, on every network. */
  endpointsOf(containerId: string): Endpoint[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM network_endpoints WHERE namespace = ? AND container_id = ? ORDER BY created_at',
        )
        .all(this.namespace, containerId) as EndpointRow[]
    ).map(toEndpoint);
  }
}

interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  scope: string;
  bridge: string | null;
  subnet: string | null;
  gateway: string | null;
  ip_range: string | null;
  subnet6: string | null;
  gateway6: string | null;
  internal: number;
  attachable: number;
  options: string;
  labels: string;
  created_at: string;
}

interface EndpointRow {
  network_id: string;
  container_id: string;
  endpoint_id: string;
  interface: string;
  ipv4: string | null;
  ipv6: string | null;
  mac: string | null;
  aliases: string;
  created_at: string;
}

function toNetwork(r: NetworkRow): Network {
  const optional = {
    bridge: r.bridge,
    subnet: r.subnet,
    gateway: r.gateway,
    ipRange: r.ip_range,
    subnet6: r.subnet6,
    gateway6: r.gateway6,
  };
  return {
    id: r.id,
    name: r.name,
    driver: r.driver,
    scope: r.scope,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)),
    internal: r.internal !== 0,
    attachable: r.attachable !== 0,
    options: fromJson(r.options, {}),
    labels: fromJson(r.labels, {}),
    createdAt: new Date(r.created_at),
  };
}

function toEndpoint(r: EndpointRow): Endpoint {
  const optional = { ipv4: r.ipv4, ipv6: r.ipv6, mac: r.mac };
  return {
    networkId: r.network_id,
    containerId: r.container_id,
    endpointId: r.endpoint_id,
    interface: r.interface,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)),
    aliases: fromJson<string[]>(r.aliases, []),
    createdAt: new Date(r.created_at),
  };
}
