// docker rm: refused for a running or paused container unless forced (then it is killed first); removes
// the shim, the rootfs mount, the snapshot, the bundle (logs included), the anonymous volumes with -v,
// and the record, in that order, so that a daemon that dies half-way leaves a record to remove again.
import { rm } from 'node:fs/promises';
import { BerthError, messageOf } from '../../../base/errors.js';
import type { ServiceContext } from './context.js';
import { releaseRootfs } from './bundle.js';
import { stopHealthChecks } from './health.js';
import { check } from './states.js';
import { detachNetworks } from './networking.js';
import { cgroupPathsOf } from './lifecycle.js';
import { thawCgroups } from '../../../runtime/index.js';

/** Options of DELETE /containers/{id}. */
export interface RemoveOptions {
  force?: boolean;
  /** Remove the container's anonymous volumes. */
  volumes?: boolean;
}

/** Removes a container. */
export async function removeContainer(
  ctx: ServiceContext,
  ref: string,
  opts: RemoveOptions = {},
): Promise<void> {
  const c = ctx.find(ref);
  const id = c.id;
  const live = await ctx.locked(id, async () => {
    const cur = ctx.records.get(id);
    if (cur.state === 'removing')
      throw new BerthError('FailedPrecondition', `removal of container ${id} is already in progress`);
    clearTimeout(ctx.restartTimers.get(id));
    ctx.restartTimers.delete(id);
    if (cur.state === 'restarting') {
      ctx.save(id, { state: 'exited' }, { manuallyStopped: true });
      return false;
    }
    if (cur.state === 'running' || cur.state === 'paused') {
      if (!opts.force) check('remove', cur.state, id, cur.name);
      ctx.save(id, {}, { manuallyStopped: true });
      const key = ctx.data(cur).shimKey;
      if (cur.state === 'paused') {
        thawCgroups(await cgroupPathsOf(ctx, cur));
      }
      await ctx.shims.signal(key, 'SIGKILL').catch(() => undefined);
      ctx.emit(cur, 'kill', { signal: '9' });
      return true;
    }
    return false;
  });
  if (live) await ctx.runs.get(id);
  await ctx.locked(id, async () => {
    let cur;
    try {
      cur = ctx.records.get(id);
    } catch {
      return; // an AutoRemove got there first
    }
    if (!opts.force) check('remove', cur.state, id, cur.name);
    if (cur.state === 'running' || cur.state === 'paused')
      throw new BerthError(
        'FailedPrecondition',
        `cannot remove container "/${cur.name}": it is still ${cur.state}`,
      );
    ctx.save(id, { state: 'removing' });
    stopHealthChecks(ctx, id);
    const data = ctx.data(cur);
    try {
      await ctx.shims.delete(data.shimKey, { force: true });
    } catch (err) {
      if (!(err instanceof BerthError && err.code === 'NotFound'))
        ctx.log.debug('no shim to delete', { id, error: messageOf(err) });
    }
    if (data.rootfs) await releaseRootfs(data.rootfs);
    if (cur.snapshotKey)
      await ctx.stores
        .snapshotter('moby', cur.snapshotter!)
        .remove(cur.snapshotKey)
        .catch((err: unknown) => {
          if (!(err instanceof BerthError && err.code === 'NotFound')) throw err;
        });
    // Async: unlinks block for milliseconds each on a busy disk, and a burst of removals shares one thread.
    if (data.bundle) await rm(data.bundle, { recursive: true, force: true });
    await detachNetworks(ctx, id);
    ctx.volumes.release(id, opts.volumes === true);
    ctx.records.delete(id);
    ctx.backoff.delete(id);
    ctx.emit(cur, 'destroy');
    ctx.changes.emit('removed', id, cur.exitCode ?? 0);
  });
}
