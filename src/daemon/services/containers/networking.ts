// A container's networking (issue 7), between the container service and the network service: create
// decides the plan (networks/container-plan.ts) and points the spec's network namespace at the
// container's sandbox path; start makes the sandbox, connects its networks (published ports included)
// and writes /etc/hosts and /etc/resolv.conf with the addresses it got; the exit and removal take it all
// down again, as dockerd does (its sandbox lives from start to stop). `network connect`/`disconnect`
// change a container's networks, live when it runs, and for its next start in every case.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ContainerCreateRequest, HostConfig } from '../../../../api/docker/container.js';
import { BerthError, messageOf, wrap } from '../../../base/errors.js';
import type { Container } from '../../../metadata/index.js';
import type { Endpoint, NetworkRecord } from '../../../network/index.js';
import {
  networkSettings,
  planNetworking,
  portMappings,
  portSummaries,
  type AttachmentPlan,
  type ContainerAttachments,
  type EndpointConfig,
  type NetworkPlan,
  type PortSummary,
} from '../networks/index.js';
import type { ServiceContext } from './context.js';
import { hostsFile, parseExtraHost, parseResolvConf, resolvConfFile } from './etc-files.js';
import type { NamespaceChoice } from './spec.js';

/** Decides the networking of a create request (404 for a missing network, 400 for what dockerd refuses). */
export function planContainerNetwork(
  ctx: ServiceContext,
  req: ContainerCreateRequest,
): { plan: NetworkPlan; warnings: string[] } {
  return planNetworking(
    req.HostConfig ?? {},
    req.NetworkingConfig?.EndpointsConfig,
    (ref) => ctx.networks.get(ref),
    ctx.networks.defaultGateway() !== undefined,
  );
}

/** The plan of a container (records made before plans were kept get one from their HostConfig). */
export function planOf(ctx: ServiceContext, c: Container): NetworkPlan {
  const data = ctx.data(c);
  if (data.network) return data.network;
  try {
    return planNetworking(c.hostConfig as HostConfig, undefined, (ref) => ctx.networks.get(ref)).plan;
  } catch {
    return { kind: 'none' };
  }
}

/** The spec's network namespace for a plan: the sandbox's path, the host's, or another container's. */
export function networkNamespace(ctx: ServiceContext, id: string, plan: NetworkPlan): NamespaceChoice {
  if (plan.kind === 'host') return 'host';
  if (plan.kind === 'none' && plan.private) return 'private';
  if (plan.kind === 'container') {
    const other = ctx.find(plan.ref);
    if (other.state !== 'running' || !other.pid)
      throw new BerthError(
        'FailedPrecondition',
        `cannot join network namespace of a non running container: container ${other.id} is ${other.state}`,
      );
    return { path: `/proc/${other.pid}/ns/net` };
  }
  return { path: ctx.networks.sandboxPathOf(id) };
}

function connectRequest(c: Container, a: AttachmentPlan, withPorts: boolean) {
  const host = c.hostConfig as HostConfig;
  const config = c.config as { Hostname?: string; ExposedPorts?: Record<string, object> };
  return {
    name: c.name ?? c.id.slice(0, 12),
    hostname: config.Hostname || c.id.slice(0, 12),
    aliases: a.aliases,
    labels: c.labels,
    ...(a.ipv4 && { ipv4Address: a.ipv4 }),
    ...(withPorts && { portMappings: portMappings(host, config.ExposedPorts) }),
    ...(host.Dns?.length && { dnsServers: host.Dns }),
  };
}

/**
 * Before the container's process starts: its sandbox, its networks (the first one publishes the ports,
 * as dockerd's first endpoint does), and its hosts and resolv.conf. Undoes all of it on failure.
 */
export async function attachNetworks(ctx: ServiceContext, c: Container): Promise<void> {
  const plan = planOf(ctx, c);
  if (plan.kind === 'host' || plan.kind === 'container' || (plan.kind === 'none' && plan.private)) return;
  const id = c.id;
  // A sandbox left by a run whose exit this daemon did not see (killed daemon) goes first.
  await ctx.networks.manager.removeSandbox(id).catch(() => undefined);
  try {
    await ctx.networks.manager.createSandbox(id);
    if (plan.kind === 'networks')
      for (const [i, a] of plan.attachments.entries()) {
        const net = ctx.networks.get(a.networkId);
        await ctx.networks.manager.connect(id, net.id, connectRequest(c, a, i === 0));
        ctx.networks.containerEvent('connect', net, id);
      }
    writeEtcFiles(ctx, c, ctx.networks.manager.endpoints(id));
  } catch (err) {
    await detachNetworks(ctx, id);
    throw wrap(err, 'failed to set up container networking');
  }
}

/** After the exit (or at removal): every endpoint torn down and the sandbox removed; failures are logged. */
export async function detachNetworks(ctx: ServiceContext, id: string): Promise<void> {
  const endpoints = ctx.networks.manager.endpoints(id);
  try {
    await ctx.networks.manager.removeSandbox(id);
  } catch (err) {
    // The records of what failed stay for the next recover (network library: recovery.ts).
    ctx.log.warn('tearing down container networking failed', { id, error: messageOf(err) });
  }
  for (const e of endpoints) {
    try {
      ctx.networks.containerEvent('disconnect', ctx.networks.get(e.networkId), id);
    } catch {
      // the network is gone already
    }
  }
}

/** /etc/hosts with the container's addresses and /etc/resolv.conf with its networks' DNS server. */
function writeEtcFiles(ctx: ServiceContext, c: Container, endpoints: Endpoint[]): void {
  const data = ctx.data(c);
  const host = c.hostConfig as HostConfig;
  const config = c.config as { Hostname?: string; Domainname?: string };
  const hostname = config.Hostname || c.id.slice(0, 12);
  const bridgeGateway = ctx.networks.defaultGateway();
  const extraHosts = (host.ExtraHosts ?? []).map((e) => parseExtraHost(e, bridgeGateway));
  writeFileSync(
    `${data.bundle}/hosts`,
    hostsFile({
      hostname,
      domainname: config.Domainname,
      ips: endpoints.map((e) => e.ipv4Address).filter(Boolean),
      extraHosts,
    }),
  );
  // docker serves user networks' names from 127.0.0.11 through an in-namespace redirect; Berth's DNS
  // server listens on each user network's gateway instead (network/dns), so that address goes here.
  const embedded = endpoints.find((e) => e.dnsServer)?.dnsServer;
  writeFileSync(
    `${data.bundle}/resolv.conf`,
    resolvConfFile(parseResolvConf(readOr('/etc/resolv.conf')), {
      dns: host.Dns ?? [],
      dnsSearch: host.DnsSearch ?? [],
      dnsOptions: host.DnsOptions ?? [],
      hostNetwork: false,
      ...(embedded && { embedded }),
    }),
  );
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The names and IDs of a container's networks, for `ps --filter network=` (dockerd matches either). */
export function containerNetworkRefs(ctx: ServiceContext, c: Container): string[] {
  const plan = planOf(ctx, c);
  if (plan.kind === 'host' || plan.kind === 'none') {
    const id = ctx.networks.predefinedIds()[plan.kind];
    return [plan.kind, id];
  }
  if (plan.kind === 'container') return [];
  return plan.attachments.flatMap((a) => [a.networkName, a.networkId]);
}

/** inspect's NetworkSettings of a container. */
export function containerNetworkSettings(ctx: ServiceContext, c: Container): Record<string, unknown> {
  const plan = planOf(ctx, c);
  const live = c.state === 'running' || c.state === 'paused';
  const endpoints = live ? ctx.networks.manager.endpoints(c.id) : [];
  const sandboxed =
    live && plan.kind !== 'host' && plan.kind !== 'container' && !(plan.kind === 'none' && plan.private);
  return networkSettings({
    containerId: c.id,
    plan,
    endpoints,
    ...(sandboxed && { sandboxKey: ctx.networks.sandboxPathOf(c.id) }),
    exposed: (c.config as { ExposedPorts?: Record<string, object> }).ExposedPorts,
    predefinedIds: ctx.networks.predefinedIds(),
  });
}

/** The list's Ports of a container. */
export function containerPorts(ctx: ServiceContext, c: Container): PortSummary[] {
  const live = c.state === 'running' || c.state === 'paused';
  return portSummaries(
    live ? ctx.networks.manager.endpoints(c.id) : [],
    (c.config as { ExposedPorts?: Record<string, object> }).ExposedPorts,
  );
}

/** `network connect` and `disconnect` for the network routes (NetworkService.attachContainers). */
export function containerAttachments(ctx: ServiceContext): ContainerAttachments {
  return {
    connect: async (ref: string, net: NetworkRecord, config: EndpointConfig) => {
      const c = ctx.find(ref);
      await ctx.locked(c.id, async () => {
        const cur = ctx.records.get(c.id);
        const plan = planOf(ctx, cur);
        if (plan.kind !== 'networks')
          throw new BerthError(
            'FailedPrecondition',
            `container sharing network namespace with another container or host cannot be connected to any other network`,
          );
        if (plan.attachments.some((a) => a.networkId === net.id))
          throw new BerthError(
            'AlreadyExists',
            `endpoint with name ${cur.name ?? cur.id} already exists in network ${net.name}`,
          );
        const attach = planNetworking({ NetworkMode: net.id }, { [net.id]: config }, () => net).plan;
        const a = (attach as Extract<NetworkPlan, { kind: 'networks' }>).attachments[0]!;
        if (cur.state === 'running' || cur.state === 'paused') {
          await ctx.networks.manager.connect(cur.id, net.id, connectRequest(cur, a, false));
          writeEtcFiles(ctx, cur, ctx.networks.manager.endpoints(cur.id));
          ctx.networks.containerEvent('connect', net, cur.id);
        }
        ctx.save(cur.id, {}, { network: { kind: 'networks', attachments: [...plan.attachments, a] } });
      });
    },
    disconnect: async (ref: string, net: NetworkRecord, force: boolean) => {
      let c: Container;
      try {
        c = ctx.find(ref);
      } catch (err) {
        if (force) return;
        throw err;
      }
      await ctx.locked(c.id, async () => {
        const cur = ctx.records.get(c.id);
        const plan = planOf(ctx, cur);
        const attached = plan.kind === 'networks' && plan.attachments.some((a) => a.networkId === net.id);
        if (!attached)
          throw new BerthError(
            'FailedPrecondition',
            `container ${cur.id} is not connected to network ${net.name}`,
          );
        if (cur.state === 'running' || cur.state === 'paused') {
          await ctx.networks.manager.disconnect(cur.id, net.id);
          writeEtcFiles(ctx, cur, ctx.networks.manager.endpoints(cur.id));
          ctx.networks.containerEvent('disconnect', net, cur.id);
        }
        if (plan.kind === 'networks')
          ctx.save(
            cur.id,
            {},
            {
              network: {
                kind: 'networks',
                attachments: plan.attachments.filter((a) => a.networkId !== net.id),
              },
            },
          );
      });
    },
  };
}
