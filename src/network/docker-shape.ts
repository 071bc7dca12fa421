// The Docker Engine API's shapes of networks and endpoints (shared/specs/docker-engine-api/swagger.yaml:
// NetworkCreateRequest, Network, NetworkInspect, EndpointResource, EndpointSettings), so that the API
// routes berthd will grow only translate, never decide. Pure: unit-tested.
import { BerthError } from '../base/errors.js';
import type { CreateNetworkRequest, Endpoint, NetworkRecord } from './types.js';

/** docker's IPAMConfig. */
export interface DockerIPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** The body of POST /networks/create, as far as a bridge network reads it. */
export interface DockerNetworkCreate {
  Name: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  IPAM?: {
    Driver?: string;
    Config?: DockerIPAMConfig[] | null;
    Options?: Record<string, string> | null;
  } | null;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** `EndpointResource`: one container in NetworkInspect's Containers. */
export interface DockerEndpointResource {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** `NetworkInspect` (GET /networks/{id}; /networks lists the same without Containers' detail). */
export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: DockerIPAMConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, DockerEndpointResource>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** `EndpointSettings` of a running container's NetworkSettings.Networks entry. */
export interface DockerEndpointSettings {
  IPAMConfig: { IPv4Address: string } | null;
  Links: null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

/** The library's request from docker's create body; refuses what a local bridge network cannot be. */
export function createRequestFromDocker(body: DockerNetworkCreate): CreateNetworkRequest {
  if (!body || typeof body !== 'object')
    throw new BerthError('InvalidArgument', 'network create: body must be an object');
  if (body.Scope && body.Scope !== 'local')
    throw new BerthError('InvalidArgument', `scope "${body.Scope}": only "local" networks are supported`);
  if (body.Ingress)
    throw new BerthError('InvalidArgument', 'ingress networks need swarm, which is not supported');
  if (body.ConfigOnly) throw new BerthError('InvalidArgument', 'config-only networks are not supported');
  if (body.EnableIPv4 === false)
    throw new BerthError('InvalidArgument', 'enable IPv4: networks without IPv4 are not supported');
  const configs = body.IPAM?.Config ?? [];
  const v4 = configs.filter((c) => !c.Subnet?.includes(':'));
  if (configs.length > v4.length && !body.EnableIPv6)
    throw new BerthError(
      'InvalidArgument',
      'IPv6 subnets need EnableIPv6, and IPv6 networks are not supported yet',
    );
  if (v4.length > 1)
    throw new BerthError('InvalidArgument', 'more than one IPv4 subnet per network is not supported');
  const c = v4[0];
  if (c?.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length)
    throw new BerthError('InvalidArgument', 'auxiliary addresses are not supported');
  return {
    name: body.Name,
    ...(body.Driver && { driver: body.Driver }),
    ...(c?.Subnet && { subnet: c.Subnet }),
    ...(c?.Gateway && { gateway: c.Gateway }),
    ...(c?.IPRange && { ipRange: c.IPRange }),
    internal: body.Internal === true,
    attachable: body.Attachable === true,
    labels: { ...(body.Labels ?? {}) },
    options: { ...(body.Options ?? {}) },
    ...(body.EnableIPv6 && { enableIPv6: true }),
    ...(body.IPAM?.Driver && { ipamDriver: body.IPAM.Driver }),
  };
}

/** NetworkInspect for a network and the endpoints on it. */
export function dockerNetwork(net: NetworkRecord, endpoints: readonly Endpoint[] = []): DockerNetwork {
  const config: DockerIPAMConfig[] = net.subnet
    ? [{ Subnet: net.subnet, ...(net.ipRange && { IPRange: net.ipRange }), Gateway: net.gateway }]
    : [];
  const containers: Record<string, DockerEndpointResource> = {};
  for (const e of endpoints)
    containers[e.containerId] = {
      Name: e.name,
      EndpointID: e.endpointId,
      MacAddress: e.macAddress,
      IPv4Address: e.ipv4Address ? `${e.ipv4Address}/${e.prefixLen}` : '',
      IPv6Address: '',
    };
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: 'local',
    Driver: net.driver,
    EnableIPv4: net.driver === 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: net.driver === 'bridge' ? {} : null, Config: config },
    Internal: net.internal,
    Attachable: net.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: { ...net.options },
    Labels: { ...net.labels },
  };
}

/** A container's EndpointSettings for one network (inspect's NetworkSettings.Networks[name]). */
export function dockerEndpointSettings(e: Endpoint): DockerEndpointSettings {
  return {
    IPAMConfig: e.staticIPv4 ? { IPv4Address: e.staticIPv4 } : null,
    Links: null,
    Aliases: e.aliases.length ? [...e.aliases] : null,
    MacAddress: e.macAddress,
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: e.networkId,
    EndpointID: e.endpointId,
    Gateway: e.gateway,
    IPAddress: e.ipv4Address,
    IPPrefixLen: e.prefixLen,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: e.dnsNames.length ? [...e.dnsNames] : null,
  };
}
