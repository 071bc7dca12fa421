// A container's networking as the Docker API shows it: inspect's NetworkSettings (swagger
// NetworkSettings: Networks with EndpointSettings, Ports, SandboxKey, and the default bridge's address
// at the top level, as dockerd still fills it) and the list's Ports (swagger Port). dockerd's shapes for
// a stopped container too: the networks it belongs to, with IDs but no addresses, and no ports. Pure.
import { createHash } from 'node:crypto';
import {
  dockerEndpointSettings,
  type DockerEndpointSettings,
  type Endpoint,
} from '../../../network/index.js';
import { parsePortKey, type NetworkPlan } from './container-plan.js';

/** One entry of NetworkSettings.Ports. */
export interface PortBindingShape {
  HostIp: string;
  HostPort: string;
}

/** swagger Port: one item of ContainerSummary.Ports. */
export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** What the shapes are made from. */
export interface ContainerNetworkFacts {
  containerId: string;
  plan: NetworkPlan;
  /** The live endpoints (empty for a container that is not running). */
  endpoints: Endpoint[];
  /** The namespace path while it exists. */
  sandboxKey?: string;
  /** Config.ExposedPorts. */
  exposed: Record<string, object> | null | undefined;
  /** IDs of the predefined host and none networks, for their entries. */
  predefinedIds: { host: string; none: string };
}

const EMPTY_TOP = {
  EndpointID: '',
  Gateway: '',
  GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0,
  IPAddress: '',
  IPPrefixLen: 0,
  IPv6Gateway: '',
  MacAddress: '',
};

function emptyEndpoint(networkId: string, aliases: string[] | null, ipv4?: string): DockerEndpointSettings {
  return {
    IPAMConfig: ipv4 ? { IPv4Address: ipv4 } : null,
    Links: null,
    Aliases: aliases?.length ? aliases : null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: networkId,
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

/** NetworkSettings.Ports: every exposed port (null when not published) and every published one. */
export function portsShape(
  endpoints: Endpoint[],
  exposed: Record<string, object> | null | undefined,
): Record<string, PortBindingShape[] | null> {
  const out: Record<string, PortBindingShape[] | null> = {};
  for (const key of Object.keys(exposed ?? {})) {
    const { port, protocol } = parsePortKey(key);
    out[`${port}/${protocol}`] = null;
  }
  for (const e of endpoints)
    for (const p of e.ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      (out[key] ??= []).push({ HostIp: p.hostIP || '0.0.0.0', HostPort: String(p.hostPort) });
    }
  return out;
}

/** inspect's NetworkSettings. */
export function networkSettings(f: ContainerNetworkFacts): Record<string, unknown> {
  const running = f.endpoints.length > 0 || f.sandboxKey !== undefined;
  const networks: Record<string, DockerEndpointSettings> = {};
  if (f.plan.kind === 'host' || f.plan.kind === 'none') {
    const id = f.predefinedIds[f.plan.kind];
    networks[f.plan.kind] = {
      ...emptyEndpoint(id, null),
      ...(running && { EndpointID: hashOf(`${f.containerId} ${f.plan.kind}`) }),
    };
  } else if (f.plan.kind === 'networks')
    for (const a of f.plan.attachments) {
      const live = f.endpoints.find((e) => e.networkId === a.networkId);
      networks[a.networkName] = live
        ? dockerEndpointSettings(live)
        : emptyEndpoint(a.networkId, a.aliases, a.ipv4);
    }
  const bridge = f.endpoints.find((e) => e.networkName === 'bridge');
  return {
    Bridge: '',
    SandboxID: running && f.plan.kind !== 'container' ? hashOf(`${f.containerId} sandbox`) : '',
    SandboxKey: (running && f.sandboxKey) || '',
    Ports: running ? portsShape(f.endpoints, f.exposed) : {},
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    ...EMPTY_TOP,
    ...(bridge && {
      EndpointID: bridge.endpointId,
      Gateway: bridge.gateway,
      IPAddress: bridge.ipv4Address,
      IPPrefixLen: bridge.prefixLen,
      MacAddress: bridge.macAddress,
    }),
    Networks: networks,
  };
}

/** ContainerSummary.Ports: published ports with their host side, exposed ones without. */
export function portSummaries(
  endpoints: Endpoint[],
  exposed: Record<string, object> | null | undefined,
): PortSummary[] {
  const out: PortSummary[] = [];
  const published = new Set<string>();
  for (const e of endpoints)
    for (const p of e.ports) {
      published.add(`${p.containerPort}/${p.protocol}`);
      out.push({
        IP: p.hostIP || '0.0.0.0',
        PrivatePort: p.containerPort,
        PublicPort: p.hostPort,
        Type: p.protocol,
      });
    }
  for (const key of Object.keys(exposed ?? {})) {
    const { port, protocol } = parsePortKey(key);
    if (!published.has(`${port}/${protocol}`)) out.push({ PrivatePort: port, Type: protocol });
  }
  return out;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
