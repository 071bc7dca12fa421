// One test's networking world: private root and state dirs, a manager on them, unique names, and a
// snapshot of everything on the host that is "ours" (interfaces, namespaces, iptables lines, leases), to
// compare after teardown. Traffic checks run busybox inside the test's own namespaces.
import { join } from 'node:path';
import { NetworkManager, type NetworkManagerOptions } from '../../../src/network/index.js';
import { hostLinks, inNetns, iptablesLines, leases, nsfsMountsUnder, scratchDir } from './host.js';
import { testPool } from './subnets.js';

/** What "everything of ours" looks like at one moment. */
export interface HostSnapshot {
  /** iptables lines of our chains, CNI's chains, or naming our bridges or subnets. */
  iptables: string[];
  /** Bridges of ours that exist. */
  bridges: string[];
  /** veths on our bridges, or with the names the plugins reported. */
  veths: string[];
  /** Namespace mounts under the scratch dir. */
  netns: string[];
  /** host-local leases. */
  leases: string[];
}

/** A manager on scratch dirs, and the bookkeeping to prove its teardown. */
export class NetworkWorld {
  readonly scratch = scratchDir('berth-net-');
  readonly root = join(this.scratch.path, 'root');
  readonly state = join(this.scratch.path, 'state');
  readonly pool = testPool();
  /** Bridges, subnets and veths the test made or saw: what snapshots look for. */
  readonly watched = { bridges: new Set<string>(), subnets: new Set<string>(), veths: new Set<string>() };
  private current: NetworkManager | undefined;

  /** The manager last opened (throws before the first open). */
  get manager(): NetworkManager {
    if (!this.current) throw new Error('NetworkWorld: open() first');
    return this.current;
  }

  /** Opens (or re-opens, as a restarted daemon would) the manager on this world's dirs. */
  async open(opts: Partial<NetworkManagerOptions> = {}): Promise<NetworkManager> {
    this.current = await NetworkManager.open({
      root: this.root,
      state: this.state,
      defaultBridge: false,
      addressPools: [this.pool],
      ...opts,
    });
    this.watch();
    return this.current;
  }

  /** Notes the current networks' bridges and subnets, and endpoints' veths, for snapshots. */
  watch(): void {
    if (!this.current) return;
    for (const n of this.manager.listNetworks()) {
      if (n.bridge) this.watched.bridges.add(n.bridge);
      if (n.subnet) this.watched.subnets.add(n.subnet);
      for (const e of n.bridge ? this.manager.networkEndpoints(n.id) : [])
        if (e.hostVeth) this.watched.veths.add(e.hostVeth);
    }
  }

  /** Everything of ours on the host now. */
  async snapshot(): Promise<HostSnapshot> {
    this.watch();
    const links = await hostLinks();
    const bridges = [...this.watched.bridges];
    return {
      iptables: await iptablesLines(['BERTH-', 'CNI-', ...bridges, ...this.watched.subnets]),
      bridges: links
        .filter((l) => bridges.includes(l.ifname))
        .map((l) => l.ifname)
        .sort(),
      veths: links
        .filter(
          (l) => l.kind === 'veth' && (this.watched.veths.has(l.ifname) || bridges.includes(l.master ?? '')),
        )
        .map((l) => l.ifname)
        .sort(),
      netns: nsfsMountsUnder(this.scratch.path),
      leases: leases(join(this.state, 'network', 'ipam')),
    };
  }

  /** Purges the manager's state and removes the dirs (after-hook; tolerant). */
  async destroy(): Promise<void> {
    try {
      await this.current?.purge();
    } finally {
      await this.current?.close();
      this.scratch.remove();
    }
  }
}

/** Whether `ip` answers a ping from inside `netns` (a few tries: a fresh veth may need a moment). */
export async function reachable(netns: string, ip: string, tries = 5): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if ((await inNetns(netns, 'busybox', ['ping', '-c', '1', '-W', '1', ip], 10_000)).code === 0) return true;
  }
  return false;
}

/** Whether `ip` stays silent to pings from inside `netns` (two tries of a second each). */
export async function unreachable(netns: string, ip: string): Promise<boolean> {
  return (await inNetns(netns, 'busybox', ['ping', '-c', '2', '-W', '1', ip], 10_000)).code !== 0;
}

/** A container ID in the style of docker's (64 hex), unique per call. */
export function containerId(): string {
  let s = '';
  while (s.length < 64)
    s += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, 64);
}
