// NetworkManager: the one object berthd holds for networking (types.ts has the lifecycle). Operations on
// one container are serialised (CNI SPEC.md section 3), as are changes to one network; everything else may
// overlap. Every method leaves either what it was asked for or nothing (errors say what was not undone).
import { BerthError, messageOf } from '../base/errors.js';
import { makeContext, type NetworkContext, type NetworkManagerOptions } from './context.js';
import {
  connect,
  createSandbox,
  disconnect,
  endpointsOf,
  networkInUse,
  publishedPorts,
  removeSandbox,
  sandboxPath,
  teardown,
} from './endpoints.js';
import { programNetwork } from './host-side.js';
import { validatePools } from './ipam/pool.js';
import {
  createNetwork,
  ensureDefaultNetwork,
  findNetwork,
  listNetworks,
  removeNetworkRecord,
} from './networks.js';
import { purge, recover, reregisterNames, type RecoveryReport } from './recovery.js';
import type { NetworkStore } from './store.js';
import type { ConnectRequest, CreateNetworkRequest, Endpoint, NetworkRecord, PortMapping } from './types.js';

/** Networks, sandboxes and endpoints of one Berth state (root + state dirs). */
export class NetworkManager {
  private constructor(private readonly ctx: NetworkContext) {}

  /**
   * Opens the state: loads the networks, makes the default bridge network if configured, programs every
   * network's host side again (bridges, iptables and DNS servers do not survive a reboot) and puts the
   * DNS names of recorded endpoints back. Containers are not touched: call `recover` for those.
   */
  static async open(opts: NetworkManagerOptions, store?: NetworkStore): Promise<NetworkManager> {
    if (opts.addressPools) validatePools(opts.addressPools);
    const ctx = makeContext(opts, store);
    const manager = new NetworkManager(ctx);
    await ctx.locks.run('networks', async () => {
      await ensureDefaultNetwork(ctx, (id) => networkInUse(ctx, id));
      for (const net of ctx.store.list()) {
        try {
          await programNetwork(ctx, net);
        } catch (err) {
          ctx.log.error(`network ${net.name}: ${messageOf(err)}`, { network: net.id });
        }
      }
    });
    reregisterNames(ctx);
    return manager;
  }

  /** Creates a user-defined bridge network. */
  createNetwork(req: CreateNetworkRequest): Promise<NetworkRecord> {
    return this.ctx.locks.run('networks', () => createNetwork(this.ctx, req));
  }

  /** A network by full ID, name, or unique ID prefix (dockerd's FindNetwork). */
  getNetwork(ref: string): NetworkRecord {
    return findNetwork(this.ctx, ref);
  }

  /** Every network, predefined host and none included. */
  listNetworks(): NetworkRecord[] {
    return listNetworks(this.ctx);
  }

  /**
   * Removes a user-defined network. Attachments whose DEL failed earlier are retried first; any other
   * endpoint makes it fail with docker's "has active endpoints".
   */
  removeNetwork(ref: string): Promise<void> {
    return this.ctx.locks.run('networks', async () => {
      const net = findNetwork(this.ctx, ref);
      if (net.isDefault || net.driver !== 'bridge')
        throw new BerthError(
          'PermissionDenied',
          `${net.name} is a pre-defined network and cannot be removed`,
        );
      for (const rec of this.ctx.cache.list())
        if (rec.phase === 'deleting' && rec.meta.kind === 'endpoint' && rec.meta.networkId === net.id)
          await this.ctx.locks
            .run(`container:${rec.containerId}`, () => teardown(this.ctx, rec))
            .catch(() => undefined);
      // The check and the removal under the endpoints lock: a connect reserves its endpoint under it, so it
      // either comes first (the network is in use) or finds the network gone (endpoint-plan.ts). Container
      // locks are never taken inside it, so the order container → endpoints holds everywhere.
      await this.ctx.locks.run('endpoints', async () => {
        if (networkInUse(this.ctx, net.id))
          throw new BerthError(
            'FailedPrecondition',
            `error while removing network: network ${net.name} id ${net.id} has active endpoints`,
          );
        await removeNetworkRecord(this.ctx, net);
      });
    });
  }

  /** Removes every user-defined network without endpoints (`network prune`); returns their names. */
  async pruneNetworks(keep: (net: NetworkRecord) => boolean = () => false): Promise<string[]> {
    const removed: string[] = [];
    for (const net of this.ctx.store.list()) {
      if (net.isDefault || keep(net) || networkInUse(this.ctx, net.id)) continue;
      await this.removeNetwork(net.id);
      removed.push(net.name);
    }
    return removed;
  }

  /** Makes a container's network namespace (loopback up) and returns its path, for the OCI spec. */
  createSandbox(containerId: string): Promise<string> {
    return this.container(containerId, () => createSandbox(this.ctx, containerId));
  }

  /**
   * The path of a container's namespace: what `--network container:<id>` joins, and what berth-runtime
   * gets as linux.namespaces[type=network].path.
   */
  sandboxPath(containerId: string): string {
    return sandboxPath(this.ctx, containerId);
  }

  /** Tears down every attachment of a container and removes its namespace. */
  removeSandbox(containerId: string): Promise<void> {
    return this.container(containerId, () => removeSandbox(this.ctx, containerId));
  }

  /** Attaches a container's sandbox to a network (`network connect`, `run --network`). */
  connect(containerId: string, network: string, req: ConnectRequest): Promise<Endpoint> {
    return this.container(containerId, async () => {
      // A network being created is stored before its bridge is up (so that a crash leaves a record to
      // undo): a connect waits for that to finish, or the bridge plugin and the creation both set it up.
      await this.ctx.locks.run('networks', () => Promise.resolve());
      return connect(this.ctx, containerId, network, req);
    });
  }

  /** Detaches a container from a network (`network disconnect`). */
  disconnect(containerId: string, network: string): Promise<void> {
    return this.container(containerId, () => disconnect(this.ctx, containerId, network));
  }

  /** A container's live endpoints. */
  endpoints(containerId: string): Endpoint[] {
    return endpointsOf(this.ctx, containerId);
  }

  /** Every endpoint on a network (inspect's Containers). */
  networkEndpoints(ref: string): Endpoint[] {
    const net = findNetwork(this.ctx, ref);
    const ids = this.ctx.cache.containers();
    return ids.flatMap((id) => endpointsOf(this.ctx, id)).filter((e) => e.networkId === net.id);
  }

  /** Every published port of every endpoint. */
  publishedPorts(): PortMapping[] {
    return publishedPorts(this.ctx);
  }

  /** CNI CHECK of a container's attachments (SPEC.md section 3, "Checking an attachment"). */
  check(containerId: string): Promise<void> {
    return this.container(containerId, async () => {
      for (const rec of this.ctx.cache.listFor(containerId)) {
        if (rec.phase !== 'added' || !rec.result || !rec.cniVersion) continue;
        await this.ctx.runner.check(
          rec.config,
          { containerId, netns: rec.netns, ifname: rec.ifname, capabilityArgs: rec.capabilityArgs },
          { cniVersion: rec.cniVersion, prevResult: rec.result },
        );
      }
    });
  }

  /** After a restart: tears down what containers that are no longer alive left (see recovery.ts). */
  recover(isAlive: (containerId: string) => boolean): Promise<RecoveryReport> {
    return recover(this.ctx, isAlive);
  }

  /** Takes down everything of this state: sandboxes, user networks and the default bridge. */
  purge(): Promise<void> {
    return this.ctx.locks.run('networks', () => purge(this.ctx));
  }

  /** Stops the DNS servers; leaves every network and container as it is (the daemon's shutdown). */
  async close(): Promise<void> {
    await this.ctx.opts.names?.close();
  }

  private container<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.locks.run(`container:${id}`, fn);
  }
}
