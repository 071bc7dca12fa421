// After a restart (or a crash) of the process that holds the state: containers that died meanwhile leave
// attachment records and namespaces behind. `recover` tears those down (CNI DEL with the stored
// configuration and result, sweeping what the plugins cannot), keeps what live containers use, and puts
// their DNS names back. `purge` takes everything down, networks included (tests, `--bridge=none` resets).
import { BerthError, messageOf } from '../base/errors.js';
import type { NetworkContext } from './context.js';
import { allEndpointRecords, removeSandbox, teardown } from './endpoints.js';
import { nameEntryOf } from './endpoint-plan.js';
import { removeUnusedPortmapChains } from './firewall/cni-leftovers.js';
import { listNetns } from './netns.js';
import { removeNetworkRecord } from './networks.js';

/** What `recover` did. */
export interface RecoveryReport {
  /** Containers whose sandboxes were removed. */
  removed: string[];
  /** Containers (or attachments) whose teardown failed, with why; their records stay for the next try. */
  failed: { containerId: string; error: string }[];
}

/** Every container that has a namespace or an attachment record in the state dir. */
export function knownContainers(ctx: NetworkContext): string[] {
  return [...new Set([...ctx.cache.containers(), ...listNetns(ctx.paths.netns)])].sort();
}

/** Puts the names of live endpoints back into the name service (after the manager opens). */
export function reregisterNames(ctx: NetworkContext): void {
  for (const r of allEndpointRecords(ctx)) {
    const names = r.phase === 'added' ? nameEntryOf(r.meta) : undefined;
    if (names) ctx.opts.names?.register(r.meta.networkId, names);
  }
}

/**
 * Tears down what containers that are not alive left behind; for live ones, only attachments whose
 * ADD or DEL never finished. Idempotent: what fails now is retried by the next call.
 */
export async function recover(
  ctx: NetworkContext,
  isAlive: (containerId: string) => boolean,
): Promise<RecoveryReport> {
  const report: RecoveryReport = { removed: [], failed: [] };
  for (const id of knownContainers(ctx)) {
    await ctx.locks.run(`container:${id}`, async () => {
      try {
        if (!isAlive(id)) {
          await removeSandbox(ctx, id);
          report.removed.push(id);
          return;
        }
        for (const rec of ctx.cache.listFor(id)) if (rec.phase !== 'added') await teardown(ctx, rec);
      } catch (err) {
        report.failed.push({ containerId: id, error: messageOf(err) });
      }
    });
  }
  await removeUnusedPortmapChains().catch((err) => ctx.log.warn(`remove portmap chains: ${messageOf(err)}`));
  return report;
}

/**
 * Removes every sandbox, then every stored network (the default bridge too), leaving the host as it was
 * before this state existed. Errors are collected and thrown together after everything was tried.
 */
export async function purge(ctx: NetworkContext): Promise<void> {
  const report = await recover(ctx, () => false);
  const failures = report.failed.map((f) => `container "${f.containerId}": ${f.error}`);
  for (const net of ctx.store.list()) {
    try {
      await removeNetworkRecord(ctx, net);
    } catch (err) {
      failures.push(messageOf(err));
    }
  }
  if (failures.length) throw new BerthError('Internal', `purge network state: ${failures.join('; ')}`);
}
