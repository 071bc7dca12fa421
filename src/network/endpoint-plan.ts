// Everything decided before a CNI ADD runs: docker's checks of --ip and --network-alias, the interface
// name, the host ports, the configuration list, and the "adding" record that says so on disk. Under one
// lock for the whole manager, so that two connects at once cannot both take the same static address or
// the same random host port (each sees the other's record); the ADD itself runs outside it.
import { randomBytes } from 'node:crypto';
import { BerthError } from '../base/errors.js';
import type { AttachmentRecord } from './cni/cache.js';
import type { CniResult, NetworkConfList, RuntimeConf } from './cni/types.js';
import { bridgeConfList } from './conflist.js';
import type { AttachmentMeta, EndpointMeta, NetworkContext } from './context.js';
import { servesNames } from './host-side.js';
import { cidrContains, parseCidr, parseIPv4 } from './ipam/ipv4.js';
import { resolvePortMappings } from './ports.js';
import type { ConnectRequest, NameEntry, NetworkRecord } from './types.js';
import { BRIDGE_OPTIONS } from './validate.js';

/** The endpoint records of every container (any phase). */
export function allEndpointRecords(ctx: NetworkContext): AttachmentRecord<EndpointMeta>[] {
  return ctx.cache.list().filter(isEndpoint);
}

/** What the name service learns of an endpoint that is up: undefined when it has no address or no names. */
export function nameEntryOf(meta: EndpointMeta): NameEntry | undefined {
  if (!meta.ipv4 || !meta.dnsNames.length) return undefined;
  return {
    endpointId: meta.endpointId,
    names: meta.dnsNames,
    ipv4: meta.ipv4,
    ...(meta.dnsServers && { dnsServers: meta.dnsServers }),
  };
}

/** Whether a record is a network endpoint (not a sandbox's loopback). */
export function isEndpoint(r: AttachmentRecord<AttachmentMeta>): r is AttachmentRecord<EndpointMeta> {
  return r.meta.kind === 'endpoint';
}

/** What a reserved endpoint runs its ADD with. */
export interface ReservedEndpoint {
  /** The configuration list. */
  config: NetworkConfList;
  /** The record's metadata, completed from the ADD result afterwards. */
  meta: EndpointMeta;
  /** The attachment parameters. */
  rt: RuntimeConf & { capabilityArgs: { portMappings: unknown[] } };
}

/**
 * Checks the request, picks the ifname and host ports, and writes the "adding" record; all under the
 * manager-wide "endpoints" lock.
 */
export function reserveEndpoint(
  ctx: NetworkContext,
  net: NetworkRecord,
  containerId: string,
  netns: string,
  req: ConnectRequest,
): Promise<ReservedEndpoint> {
  return ctx.locks.run('endpoints', async () => {
    if (!ctx.store.get(net.id)) throw new BerthError('NotFound', `network ${net.name} not found`);
    const records = ctx.cache.listFor(containerId);
    if (records.some((r) => isEndpoint(r) && r.meta.networkId === net.id))
      throw new BerthError(
        'AlreadyExists',
        `endpoint with name ${req.name} already exists in network ${net.name}`,
      );
    checkEndpointRequest(ctx, net, req);
    const ifname = nextIfname(records);
    const inUse = allEndpointRecords(ctx).flatMap((r) => r.meta.ports);
    // docker publishes nothing from internal networks (they have no way out); neither does Berth.
    const ports = net.internal
      ? []
      : await resolvePortMappings(req.portMappings ?? [], inUse, {
          defaultHostIP: net.options[BRIDGE_OPTIONS.hostBinding],
          range: ctx.opts.hostPortRange,
        });
    const config = bridgeConfList(net, { ipamDataDir: ctx.paths.ipam, staticIPv4: req.ipv4Address });
    const meta: EndpointMeta = {
      kind: 'endpoint',
      networkId: net.id,
      networkName: net.name,
      endpointId: randomBytes(32).toString('hex'),
      name: req.name,
      aliases: [...(req.aliases ?? [])],
      dnsNames: servesNames(net) ? dnsNamesOf(containerId, req) : [],
      ports,
      ...(req.ipv4Address && { staticIPv4: req.ipv4Address }),
      gateway: net.internal ? '' : net.gateway,
      ...(servesNames(net) && ctx.opts.names && { dnsServer: net.gateway }),
      ...(servesNames(net) && req.dnsServers?.length && { dnsServers: [...req.dnsServers] }),
    };
    const rt = { containerId, netns, ifname, capabilityArgs: { portMappings: ports } };
    ctx.cache.write({
      containerId,
      netns,
      ifname,
      phase: 'adding',
      config,
      capabilityArgs: rt.capabilityArgs,
      meta,
    });
    return { config, meta, rt };
  });
}

/** Checks --ip and --network-alias against the network, with docker's messages (runconfig errors). */
function checkEndpointRequest(ctx: NetworkContext, net: NetworkRecord, req: ConnectRequest): void {
  if (req.aliases?.length && net.isDefault)
    throw new BerthError(
      'InvalidArgument',
      'network-scoped alias is supported only for containers in user defined networks',
    );
  if (!req.ipv4Address) return;
  if (net.isDefault)
    throw new BerthError(
      'InvalidArgument',
      'user specified IP address is supported on user defined networks only',
    );
  if (!net.userSubnet)
    throw new BerthError(
      'InvalidArgument',
      'user specified IP address is supported only when connecting to networks with user configured subnets',
    );
  const ip = parseIPv4(req.ipv4Address);
  if (ip === undefined) throw new BerthError('InvalidArgument', `invalid IPv4 address: ${req.ipv4Address}`);
  const subnet = parseCidr(net.subnet)!;
  if (!cidrContains(subnet, ip) || req.ipv4Address === net.gateway)
    throw new BerthError(
      'InvalidArgument',
      `invalid address ${req.ipv4Address}: it does not belong to any of this network's subnets`,
    );
  const used = allEndpointRecords(ctx).some(
    (r) =>
      r.meta.networkId === net.id &&
      (r.meta.ipv4 === req.ipv4Address || r.meta.staticIPv4 === req.ipv4Address),
  );
  if (used) throw new BerthError('AlreadyExists', `Address already in use: ${req.ipv4Address}`);
}

/** The label docker-compose puts the service name in. */
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/**
 * docker's DNSNames: container name, aliases, short ID, hostname — distinct, in that order; the compose
 * service name (from its label) after the aliases, for clients that set the label but no alias.
 */
export function dnsNamesOf(containerId: string, req: ConnectRequest): string[] {
  const service = req.labels?.[COMPOSE_SERVICE_LABEL] ?? '';
  const names = [req.name, ...(req.aliases ?? []), service, containerId.slice(0, 12), req.hostname ?? ''];
  return [...new Set(names.filter((n) => n !== ''))];
}

/** The ifname for a new attachment: the lowest free ethN. */
function nextIfname(records: AttachmentRecord<AttachmentMeta>[]): string {
  const used = new Set(records.map((r) => r.ifname));
  for (let i = 0; ; i++) if (!used.has(`eth${i}`)) return `eth${i}`;
}

/** The container-side address, prefix and MAC, and the host-side veth, from a bridge result. */
export function addressesOf(result: CniResult, ifname: string): Partial<EndpointMeta> {
  const ifaces = result.interfaces ?? [];
  const ip = (result.ips ?? []).find((i) => !i.address.includes(':'));
  const inside = ip?.interface !== undefined ? ifaces[ip.interface] : ifaces.find((i) => i.name === ifname);
  const hostVeth = ifaces.find((i) => !i.sandbox && i.name !== ifaces[0]?.name)?.name;
  const [addr, prefix] = ip?.address.split('/') ?? [];
  return {
    ...(addr && { ipv4: addr, prefixLen: Number(prefix) }),
    ...(inside?.mac && { macAddress: inside.mac }),
    ...(hostVeth && { hostVeth }),
  };
}
