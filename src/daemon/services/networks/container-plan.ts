// What a container's HostConfig.NetworkMode, NetworkingConfig and ports ask of networking, checked with
// dockerd's messages at create (moby daemon/container_operations.go, runconfig/hostconfig_unix.go):
//
//   ''/'default'/'bridge'  the default bridge network (plus any other EndpointsConfig networks)
//   '<name or id>'         that user network (plus any other EndpointsConfig networks)
//   'host'                 the host's namespace: nothing to make, published ports are discarded
//   'none'                 a namespace with loopback only
//   'container:<ref>'      another container's namespace: nothing to make, no ports of its own
//
// Pure: the caller resolves network references. Unit-tested.
import type { EndpointSettings, HostConfig } from '../../../../api/docker/container.js';
import { BerthError } from '../../../base/errors.js';
import type { NetworkRecord, PortMapping } from '../../../network/index.js';

/** One network a container is to be attached to. */
export interface AttachmentPlan {
  /** The network's ID. */
  networkId: string;
  /** The network's name (the key of NetworkSettings.Networks). */
  networkName: string;
  /** `--network-alias` (and compose's service name). */
  aliases: string[];
  /** `--ip`. */
  ipv4?: string;
}

/** The networking of a container, as create decided it. */
export type NetworkPlan =
  | { kind: 'host' }
  /** `private`: a daemon without a default bridge (`--bridge=none`) gives default containers a namespace of their own from the runtime, as before networking, without a sandbox. */
  | { kind: 'none'; private?: true }
  | { kind: 'container'; ref: string }
  | { kind: 'networks'; attachments: AttachmentPlan[] };

/** The network mode a HostConfig means ('' and 'default' are the default bridge). */
export function networkModeOf(host: HostConfig): string {
  const mode = host.NetworkMode ?? '';
  return mode === '' || mode === 'default' ? 'bridge' : mode;
}

/**
 * Decides a container's networking; `resolve` finds a network by name or ID (404 when missing).
 * `defaultBridge` false: the daemon runs without one (dockerd's --bridge=none), so the default mode
 * means no network, as dockerd's does then.
 */
export function planNetworking(
  host: HostConfig,
  endpoints: Record<string, EndpointSettings> | null | undefined,
  resolve: (ref: string) => NetworkRecord,
  defaultBridge = true,
): { plan: NetworkPlan; warnings: string[] } {
  const mode = networkModeOf(host);
  if (!defaultBridge && (host.NetworkMode ?? '') in { '': 1, default: 1 })
    return { plan: { kind: 'none', private: true }, warnings: [] };
  const warnings: string[] = [];
  const publishes = Object.keys(host.PortBindings ?? {}).length > 0 || host.PublishAllPorts === true;
  if (mode === 'host') {
    if (publishes) warnings.push('Published ports are discarded when using host network mode');
    return { plan: { kind: 'host' }, warnings };
  }
  if (mode === 'none') return { plan: { kind: 'none' }, warnings };
  const joined = /^container:(.*)$/.exec(mode);
  if (joined) {
    if (!joined[1]) throw new BerthError('InvalidArgument', `invalid network mode: ${mode}`);
    if (publishes)
      throw new BerthError(
        'InvalidArgument',
        'conflicting options: port publishing and the container type network mode',
      );
    return { plan: { kind: 'container', ref: joined[1] }, warnings };
  }
  const requested = new Map(Object.entries(endpoints ?? {}));
  const attachments: AttachmentPlan[] = [];
  const add = (ref: string, settings: EndpointSettings | undefined): void => {
    const net = resolve(ref);
    if (net.driver !== 'bridge')
      throw new BerthError(
        'InvalidArgument',
        `container cannot be connected to network endpoints: ${net.name} and other networks`,
      );
    if (attachments.some((a) => a.networkId === net.id)) return;
    const aliases = [...(settings?.Aliases ?? [])];
    const ipv4 = settings?.IPAMConfig?.IPv4Address || undefined;
    if (net.isDefault && aliases.length)
      throw new BerthError(
        'InvalidArgument',
        'network-scoped alias is supported only for containers in user defined networks',
      );
    if (ipv4 && !net.userSubnet)
      throw new BerthError(
        'InvalidArgument',
        net.isDefault
          ? 'user specified IP address is supported on user defined networks only'
          : 'user specified IP address is supported only when connecting to networks with user configured subnets',
      );
    attachments.push({ networkId: net.id, networkName: net.name, aliases, ...(ipv4 && { ipv4 }) });
  };
  // The docker CLI keys the mode's endpoint by the mode as given ("default" when no --network).
  const given = host.NetworkMode || 'default';
  add(mode, requested.get(given) ?? requested.get(mode));
  requested.delete(given);
  requested.delete(mode);
  for (const [ref, settings] of requested) add(ref, settings);
  return { plan: { kind: 'networks', attachments }, warnings };
}

/** A `port/proto` key of PortBindings or ExposedPorts (`80`, `53/udp`), checked. */
export function parsePortKey(key: string): { port: number; protocol: PortMapping['protocol'] } {
  const m = /^(\d+)(?:-\d+)?(?:\/(tcp|udp|sctp))?$/.exec(key);
  const port = m ? Number(m[1]) : 0;
  if (!m || port < 1 || port > 65535)
    throw new BerthError('InvalidArgument', `invalid port specification: "${key}"`);
  return { port, protocol: (m[2] ?? 'tcp') as PortMapping['protocol'] };
}

/**
 * The port mappings of PortBindings, and with PublishAllPorts (`-P`) a random host port for every exposed
 * port that has no binding (moby nat.ParsePortSpecs / daemon/network.go).
 */
export function portMappings(
  host: HostConfig,
  exposed: Record<string, object> | null | undefined,
): PortMapping[] {
  const out: PortMapping[] = [];
  const bound = new Set<string>();
  for (const [key, bindings] of Object.entries(host.PortBindings ?? {})) {
    const { port, protocol } = parsePortKey(key);
    bound.add(`${port}/${protocol}`);
    for (const b of bindings?.length ? bindings : [{}]) {
      const hostPort = /^(\d+)/.exec(b.HostPort ?? '')?.[1];
      if (b.HostPort && hostPort === undefined)
        throw new BerthError('InvalidArgument', `invalid host port "${b.HostPort}" for ${key}`);
      const n = hostPort === undefined ? 0 : Number(hostPort);
      if (n > 65535) throw new BerthError('InvalidArgument', `invalid host port "${b.HostPort}" for ${key}`);
      out.push({ containerPort: port, protocol, hostPort: n, ...(b.HostIp && { hostIP: b.HostIp }) });
    }
  }
  if (host.PublishAllPorts)
    for (const key of Object.keys(exposed ?? {})) {
      const { port, protocol } = parsePortKey(key);
      if (!bound.has(`${port}/${protocol}`)) out.push({ containerPort: port, protocol, hostPort: 0 });
    }
  return out;
}
