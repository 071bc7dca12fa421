// What berthd does with its containers when it starts (types.ts: nothing is lost across a restart):
// the shims are adopted, running containers are watched again, exits that happened while no daemon ran
// are recorded (then restart policies apply, as dockerd's restore does), half-made and half-removed
// containers are finished off, and shims that no record owns are deleted.
import { rmSync } from 'node:fs';
import { messageOf } from '../../../base/errors.js';
import type { ShimState } from '../../shim-client/index.js';
import type { ServiceContext } from './context.js';
import { releaseRootfs } from './bundle.js';
import { startHealthChecks } from './health.js';
import { recordExit, watchExit } from './lifecycle.js';
import { removeContainer } from './remove.js';

/** Reconciles the records with the shims; returns how many containers were adopted running. */
export async function recoverContainers(ctx: ServiceContext): Promise<number> {
  const shims = new Map<string, ShimState>();
  for (const st of await ctx.shims.adopt()) if (!st.id.includes('/')) shims.set(st.id, st);
  const owned = new Set<string>();
  let adopted = 0;
  for (const c of ctx.records.list()) {
    const data = ctx.data(c);
    if (!data) continue;
    owned.add(data.shimKey);
    try {
      if (data.creating) {
        // create died half-way: undo what it made (the shim was never started).
        if (data.rootfs) await releaseRootfs(data.rootfs);
        if (c.snapshotKey)
          await ctx.stores
            .snapshotter('moby', c.snapshotter!)
            .remove(c.snapshotKey)
            .catch(() => undefined);
        if (data.bundle) rmSync(data.bundle, { recursive: true, force: true });
        ctx.records.delete(c.id);
        continue;
      }
      if (c.state === 'removing') {
        ctx.save(c.id, { state: 'dead' });
        await removeContainer(ctx, c.id, { force: true });
        continue;
      }
      if (!['running', 'paused', 'restarting'].includes(c.state)) continue;
      const st = shims.get(data.shimKey);
      if (st && (st.status === 'running' || st.status === 'created')) {
        watchExit(ctx, c.id, data.shimKey);
        if (c.state === 'restarting') ctx.save(c.id, { state: 'running', pid: st.record.pid });
        startHealthChecks(ctx, c.id);
        adopted++;
        continue;
      }
      const exit = st?.exit ?? {
        pid: 0,
        exitCode: 255,
        signal: 0,
        oomKilled: false,
        exitedAt: new Date().toISOString(),
        logDropped: 0,
      };
      await ctx.locked(c.id, () => recordExit(ctx, c.id, data.shimKey, exit));
    } catch (err) {
      ctx.log.error('recovering a container failed', { id: c.id, error: messageOf(err) });
    }
  }
  for (const key of shims.keys())
    if (!owned.has(key)) await ctx.shims.delete(key, { force: true }).catch(() => undefined);
  return adopted;
}
