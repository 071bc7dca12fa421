// A network's host side: the bridge with its gateway address, the isolation and forwarding rules, the
// DNS server. Programmed when the network is created and again (idempotently) whenever the manager
// opens the state, since none of it survives a reboot; unprogrammed when the network is removed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../base/errors.js';
import { ensureBridge, removeLink } from './bridge-device.js';
import type { NetworkContext } from './context.js';
import { removeUnusedPortmapChains } from './firewall/cni-leftovers.js';
import { programIsolation, unprogramIsolation } from './firewall/isolation.js';
import type { NetworkRecord } from './types.js';
import { BRIDGE_OPTIONS } from './validate.js';

/** Whether a network serves names: user networks do, the default bridge does not (docker's behaviour). */
export function servesNames(net: NetworkRecord): boolean {
  return net.driver === 'bridge' && !net.isDefault;
}

/** Brings up a network's host side; idempotent. */
export async function programNetwork(ctx: NetworkContext, net: NetworkRecord): Promise<void> {
  const prefix = net.subnet.split('/')[1];
  const mtu = net.options[BRIDGE_OPTIONS.mtu];
  await ensureBridge(net.bridge, `${net.gateway}/${prefix}`, mtu ? Number(mtu) : undefined);
  await programIsolation(net);
  if (servesNames(net)) await ctx.opts.names?.startNetwork(net);
}

/**
 * Takes a network's host side away: DNS server, rules (and the shared chains when they are left
 * empty), the bridge, host-local's leases. Goes on past failures and reports them together at the end.
 */
export async function unprogramNetwork(ctx: NetworkContext, net: NetworkRecord): Promise<string[]> {
  const failures: string[] = [];
  const step = async (what: string, fn: () => Promise<void> | void) => {
    try {
      await fn();
    } catch (err) {
      failures.push(`${what}: ${messageOf(err)}`);
    }
  };
  await step('stop dns', () => ctx.opts.names?.stopNetwork(net.id));
  await step('remove isolation rules', () => unprogramIsolation(net));
  await step('remove portmap chains', () => removeUnusedPortmapChains());
  await step(`remove bridge "${net.bridge}"`, () => removeLink(net.bridge));
  await step('remove leases', () => rmSync(join(ctx.paths.ipam, net.name), { recursive: true, force: true }));
  return failures;
}
