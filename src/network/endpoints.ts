// Sandboxes and endpoints: a container's network namespace with its loopback up, and its attachments to
// bridge networks through CNI (bridge → portmap). Every attachment is recorded before its ADD starts
// (phase "adding") and after it ends ("added"), and marked "deleting" before its DEL, so that whatever
// happens to this process, the records say what must still be torn down (recovery.ts).
import { BerthError, messageOf, wrap } from '../base/errors.js';
import type { AttachmentRecord } from './cni/cache.js';
import type { NetworkConfList } from './cni/types.js';
import { loopbackConfList } from './conflist.js';
import type { AttachmentMeta, EndpointMeta, NetworkContext } from './context.js';
import {
  addressesOf,
  allEndpointRecords,
  isEndpoint,
  nameEntryOf,
  reserveEndpoint,
} from './endpoint-plan.js';
import { masqueradeLeft, sweepAttachmentRules } from './firewall/cni-leftovers.js';
import { createNetns, isNetnsMounted, netnsPath, removeNetns } from './netns.js';
import { findNetwork } from './networks.js';
import type { ConnectRequest, Endpoint, PortMapping } from './types.js';

export { allEndpointRecords } from './endpoint-plan.js';

type Record = AttachmentRecord<AttachmentMeta>;

/** Whether any container has an attachment (in any phase) to network `id`. */
export function networkInUse(ctx: NetworkContext, id: string): boolean {
  return allEndpointRecords(ctx).some((r) => r.meta.networkId === id);
}

/** Makes a container's sandbox: the namespace at <state>/netns/<id>, loopback up (CNI loopback). */
export async function createSandbox(ctx: NetworkContext, containerId: string): Promise<string> {
  const netns = createNetns(ctx.paths.netns, containerId);
  const config = loopbackConfList();
  const rt = { containerId, netns, ifname: 'lo' };
  ctx.cache.write({ ...rt, phase: 'adding', config, meta: { kind: 'loopback' } });
  try {
    const { result, cniVersion } = await ctx.runner.add(config, rt);
    ctx.cache.write({ ...rt, phase: 'added', config, cniVersion, result, meta: { kind: 'loopback' } });
  } catch (err) {
    ctx.cache.remove(containerId, 'lo');
    removeNetns(netns);
    throw wrap(err, `create network sandbox for container "${containerId}"`);
  }
  return netns;
}

/** The sandbox's path, checked to be a mounted namespace. */
export function sandboxPath(ctx: NetworkContext, containerId: string): string {
  const path = netnsPath(ctx.paths.netns, containerId);
  if (!isNetnsMounted(path))
    throw new BerthError(
      'FailedPrecondition',
      `container "${containerId}": no network sandbox (create it first)`,
    );
  return path;
}

/** Connects a container's sandbox to a network (CNI ADD of the network's list). */
export async function connect(
  ctx: NetworkContext,
  containerId: string,
  ref: string,
  req: ConnectRequest,
): Promise<Endpoint> {
  const net = findNetwork(ctx, ref);
  if (net.driver !== 'bridge')
    throw new BerthError(
      'InvalidArgument',
      `network ${net.name}: the ${net.name} mode is set up by the daemon, not by connecting a sandbox`,
    );
  const netns = sandboxPath(ctx, containerId);
  const { config, meta, rt } = await reserveEndpoint(ctx, net, containerId, netns, req);
  let outcome;
  try {
    outcome = await ctx.runner.add(config, rt);
  } catch (err) {
    // SPEC.md section 3: a delete must still be executed even if the add fails.
    await ctx.runner.del(config, rt).catch(() => undefined);
    await sweepAttachmentRules(net.name, containerId).catch(() => undefined);
    ctx.cache.remove(containerId, rt.ifname);
    throw wrap(err, `connect container "${containerId}" to network ${net.name}`);
  }
  Object.assign(meta, addressesOf(outcome.result, rt.ifname));
  const record = ctx.cache.write({
    containerId,
    netns,
    ifname: rt.ifname,
    phase: 'added',
    config,
    cniVersion: outcome.cniVersion,
    capabilityArgs: rt.capabilityArgs,
    result: outcome.result,
    meta,
  }) as AttachmentRecord<EndpointMeta>;
  const names = nameEntryOf(meta);
  if (names) ctx.opts.names?.register(net.id, names);
  return endpointOf(record);
}

/** The Endpoint view of a record. */
export function endpointOf(r: AttachmentRecord<EndpointMeta>): Endpoint {
  const m = r.meta;
  return {
    containerId: r.containerId,
    name: m.name,
    networkId: m.networkId,
    networkName: m.networkName,
    endpointId: m.endpointId,
    ifname: r.ifname,
    netns: r.netns,
    ipv4Address: m.ipv4 ?? '',
    prefixLen: m.prefixLen ?? 0,
    gateway: m.gateway,
    macAddress: m.macAddress ?? '',
    aliases: m.aliases,
    ...(m.staticIPv4 && { staticIPv4: m.staticIPv4 }),
    dnsNames: m.dnsNames,
    ports: m.ports,
    ...(m.dnsServer && { dnsServer: m.dnsServer }),
    ...(m.hostVeth && { hostVeth: m.hostVeth }),
  };
}

/** A container's endpoints that are up. */
export function endpointsOf(ctx: NetworkContext, containerId: string): Endpoint[] {
  return ctx.cache
    .listFor(containerId)
    .filter(isEndpoint)
    .filter((r) => r.phase === 'added')
    .map(endpointOf);
}

/** Disconnects a container from a network (CNI DEL). */
export async function disconnect(ctx: NetworkContext, containerId: string, ref: string): Promise<void> {
  const net = findNetwork(ctx, ref);
  const rec = ctx.cache.listFor(containerId).find((r) => isEndpoint(r) && r.meta.networkId === net.id);
  if (!rec)
    throw new BerthError('NotFound', `container ${containerId} is not connected to network ${net.name}`);
  await teardown(ctx, rec);
}

/**
 * DEL of one attachment, in whatever phase it was left: its names go first, then the plugins run in
 * reverse with the stored configuration and result (without the namespace when it is gone), then, when
 * the plugins could not have removed them, the rules they left are swept by their comment. A failed DEL keeps the record (phase "deleting") for a
 * later retry and throws.
 */
export async function teardown(ctx: NetworkContext, rec: Record): Promise<void> {
  if (isEndpoint(rec)) ctx.opts.names?.unregister(rec.meta.networkId, rec.meta.endpointId);
  ctx.cache.write({ ...rec, phase: 'deleting' });
  const netns = isNetnsMounted(rec.netns) ? rec.netns : '';
  const rt = {
    containerId: rec.containerId,
    netns,
    ifname: rec.ifname,
    capabilityArgs: rec.capabilityArgs,
    args: rec.args,
  };
  const config = rec.config as NetworkConfList;
  let failure: unknown;
  try {
    await ctx.runner.del(config, rt, {
      cniVersion: rec.cniVersion,
      ...(rec.result && { prevResult: rec.result }),
    });
  } catch (err) {
    failure = err;
  }
  // The sweep lists whole tables under the xtables lock every plugin waits on: after a DEL that ran in
  // the namespace it runs only when an attachment made with the bridge plugin's ipMasq (before Berth
  // masqueraded per network) left its chain (that DEL finds the addresses to unmasquerade on the
  // interface, and misses them when that is already gone).
  if (
    isEndpoint(rec) &&
    (failure ||
      netns === '' ||
      (pluginMasquerades(config) && (await masqueradeLeft(config.name, rec.containerId).catch(() => true))))
  )
    await sweepAttachmentRules(rec.config.name, rec.containerId).catch(() => undefined);
  if (failure) throw wrap(failure, `disconnect container "${rec.containerId}" (${rec.ifname})`);
  ctx.cache.remove(rec.containerId, rec.ifname);
}

/** Whether a list's bridge plugin masquerades the container itself (lists from before Berth did it per network). */
function pluginMasquerades(config: NetworkConfList): boolean {
  return config.plugins.some((p) => p.type === 'bridge' && p.ipMasq === true);
}

/**
 * Removes a container's sandbox: every attachment torn down (endpoints first, loopback last), then the
 * namespace unmounted. Failed DELs keep their records for `recover` and are reported together; the
 * namespace goes regardless (a retried DEL does not need it: see teardown).
 */
export async function removeSandbox(ctx: NetworkContext, containerId: string): Promise<void> {
  const records = ctx.cache
    .listFor(containerId)
    .sort((a, b) => Number(a.meta.kind === 'loopback') - Number(b.meta.kind === 'loopback'));
  const failures: string[] = [];
  for (const rec of records) {
    try {
      await teardown(ctx, rec);
    } catch (err) {
      failures.push(messageOf(err));
    }
  }
  removeNetns(netnsPath(ctx.paths.netns, containerId));
  if (failures.length)
    throw new BerthError(
      'Internal',
      `remove network sandbox of container "${containerId}": ${failures.join('; ')}`,
    );
}

/** Every published port of every endpoint (docker's `port` command reads a container's from its endpoints). */
export function publishedPorts(ctx: NetworkContext): PortMapping[] {
  return allEndpointRecords(ctx).flatMap((r) => r.meta.ports);
}
