// Start, stop, kill, restart, pause and unpause, and the recording of exits (types.ts: one shim per
// run). dockerd's semantics: stop sends StopSignal then SIGKILL after the timeout; a stop or kill by a
// user keeps restart policies from restarting the container; a start of a running container is a 304.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError, messageOf, wrap } from '../../../base/errors.js';
import type { Container } from '../../../metadata/index.js';
import { mountsUsing } from '../../../snapshots/index.js';
import { freezeCgroups, hostLayout, resolveCgroupPaths, thawCgroups } from '../../../runtime/index.js';
import { signalNumber, type ExitStatus } from '../../shim-client/index.js';
import type { ServiceContext } from './context.js';
import { mountRootfs } from './bundle.js';
import { afterExit } from './restart-policy.js';
import { startHealthChecks, stopHealthChecks } from './health.js';
import { check } from './states.js';
import { attachNetworks, detachNetworks } from './networking.js';

/** dockerd's default stop timeout (seconds). */
export const DEFAULT_STOP_TIMEOUT = 10;

/** The exit code dockerd records when the program could not be run (126: not executable, 127: not found). */
function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory|not found/i.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 128;
}

/** The log options of a container's shim, from LogConfig (json-file's max-size and max-file). */
function logOptions(
  c: Container,
): { path: string; format: 'json-file'; maxSize?: number; maxFiles?: number } | undefined {
  if (!c.logPath) return undefined;
  const opts = ((c.hostConfig.LogConfig as { Config?: Record<string, string> } | undefined)?.Config ??
    {}) as Record<string, string>;
  const size = opts['max-size'] ? parseSize(opts['max-size']) : undefined;
  const files = opts['max-file'] ? Number(opts['max-file']) : undefined;
  return {
    path: c.logPath,
    format: 'json-file',
    ...(size ? { maxSize: size } : {}),
    ...(files && size ? { maxFiles: files } : {}),
  };
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(s.trim());
  if (!m) throw new BerthError('InvalidArgument', `invalid log-opt max-size: "${s}"`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * mult);
}

/**
 * Whether the rootfs is mounted. An overlay's root has a device number of its own, which one stat tells;
 * only otherwise is the mount table read (it grows with every container, and a burst of starts read it
 * once each).
 */
function rootfsMounted(rootfs: string): boolean {
  const st = statSync(rootfs, { throwIfNoEntry: false });
  if (!st) return false;
  if (st.dev !== statSync(dirname(rootfs)).dev) return true;
  return mountsUsing(rootfs).length > 0;
}

/** Mounts the rootfs again when it is not mounted (after a reboot, the mounts are gone; the snapshot is not). */
async function ensureRootfs(ctx: ServiceContext, c: Container): Promise<void> {
  const { rootfs } = ctx.data(c);
  if (!c.snapshotKey || rootfsMounted(rootfs)) return;
  const mounts = await ctx.stores.snapshotter('moby', c.snapshotter!).mounts(c.snapshotKey);
  await mountRootfs(mounts, rootfs);
}

/** Starts a created or exited container; false when it was already running (dockerd's 304). */
export async function startContainer(ctx: ServiceContext, ref: string): Promise<boolean> {
  const id = ctx.find(ref).id;
  return ctx.locked(id, () => startLocked(ctx, id, false));
}

/** The start itself, under the container's lock; `byPolicy` for restarts a policy made. */
export async function startLocked(ctx: ServiceContext, id: string, byPolicy: boolean): Promise<boolean> {
  const c = ctx.records.get(id);
  const data = ctx.data(c);
  if (data.creating) throw new BerthError('FailedPrecondition', `container ${id} is still being created`);
  if (c.state === 'running') return false;
  if (c.state === 'paused')
    throw new BerthError('FailedPrecondition', 'cannot start a paused container, try unpause instead');
  if (c.state === 'removing' || c.state === 'dead') check('start', c.state, id);
  clearTimeout(ctx.restartTimers.get(id));
  ctx.restartTimers.delete(id);
  const key = data.shimKey;
  try {
    await ensureRootfs(ctx, c);
    ctx.volumes.mountFor(id);
    await attachNetworks(ctx, c);
    // A shim directory left from an earlier run (a crash before its exit was recorded) goes first.
    if (existsSync(join(ctx.shims.root, key))) await ctx.shims.delete(key, { force: true });
    const config = c.config as { OpenStdin?: boolean };
    const log = logOptions(c);
    await ctx.shims.create({
      id: key,
      bundle: data.bundle,
      runtime: data.shimRuntime,
      stdin: config.OpenStdin === true,
      // StdinOnce is the attach route's business (a detach must not close stdin): containers-streams.ts.
      stdinOnce: false,
      ...(log ? { log } : {}),
    });
    try {
      for (const hook of ctx.attachHooks.get(id) ?? []) await hook(key).catch(() => undefined);
      ctx.attachHooks.delete(id);
      await ctx.shims.start(key);
    } catch (err) {
      await ctx.shims.delete(key, { force: true }).catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await detachNetworks(ctx, id);
    const message = messageOf(err);
    const failed = ctx.save(
      id,
      { exitCode: startFailureCode(message), error: message },
      { startError: message },
    );
    // dockerd removes an AutoRemove container whose start failed; `run --rm` waits for that removal.
    if ((failed.hostConfig as { AutoRemove?: boolean }).AutoRemove)
      setImmediate(() => void ctx.actions.autoRemove(id).catch(() => undefined));
    throw wrap(err, 'failed to create task for container');
  }
  const state = await ctx.shims.state(key);
  const started = ctx.save(
    id,
    {
      state: 'running',
      pid: state.record.pid,
      startedAt: new Date(),
      error: '',
      ...(byPolicy ? { restartCount: c.restartCount + 1 } : {}),
    },
    { manuallyStopped: false, startError: undefined },
  );
  watchExit(ctx, id, key);
  ctx.emit(started, 'start');
  startHealthChecks(ctx, id);
  return true;
}

/** Records the run's exit once the shim reports it (also for containers re-adopted at daemon start). */
export function watchExit(ctx: ServiceContext, id: string, key: string): void {
  const run = ctx.shims
    .wait(key)
    .catch((err: unknown): ExitStatus => {
      // The shim died without an exit file (killed): dockerd reports such a container exited with 255.
      ctx.log.warn('container shim lost', { id, error: messageOf(err) });
      return {
        pid: 0,
        exitCode: 255,
        signal: 0,
        oomKilled: false,
        exitedAt: new Date().toISOString(),
        logDropped: 0,
      };
    })
    .then((exit) => ctx.locked(id, () => recordExit(ctx, id, key, exit)))
    .catch((err: unknown) => ctx.log.error('recording an exit failed', { id, error: messageOf(err) }));
  ctx.runs.set(id, run);
}

/** Writes the exit into the record, deletes the run's shim, publishes die, and applies the policy. */
export async function recordExit(
  ctx: ServiceContext,
  id: string,
  key: string,
  exit: ExitStatus,
): Promise<void> {
  let c: Container;
  try {
    c = ctx.records.get(id);
  } catch {
    return; // removed meanwhile
  }
  stopHealthChecks(ctx, id);
  c = ctx.save(id, {
    state: 'exited',
    exitCode: exit.exitCode,
    oomKilled: exit.oomKilled,
    finishedAt: exit.exitedAt ? new Date(exit.exitedAt) : new Date(),
    pid: undefined,
  });
  await ctx.shims
    .delete(key, { force: true })
    .catch((err: unknown) => ctx.log.warn('deleting a shim failed', { id, error: messageOf(err) }));
  // dockerd releases a container's network when it stops: the sandbox lives from start to exit.
  await detachNetworks(ctx, id);
  ctx.volumes.unmountedFor(id);
  if (exit.oomKilled) ctx.emit(c, 'oom');
  ctx.emit(c, 'die', { exitCode: String(exit.exitCode) });
  ctx.runs.delete(id);
  ctx.changes.emit('exit', id, exit.exitCode);
  afterExit(ctx, c);
}

/** Sends `signal` (a name or number; StopSignal-style) to the container's process. */
export async function killContainer(ctx: ServiceContext, ref: string, signal = 'SIGKILL'): Promise<void> {
  const c = ctx.find(ref);
  const sig = signalNumber(/^\d+$/.test(signal) ? Number(signal) : signal);
  await ctx.locked(c.id, async () => {
    const cur = ctx.records.get(c.id);
    if (cur.state === 'restarting' && (sig === 9 || sig === 15)) {
      clearTimeout(ctx.restartTimers.get(c.id));
      ctx.restartTimers.delete(c.id);
      ctx.save(c.id, { state: 'exited' }, { manuallyStopped: true });
      return;
    }
    check('kill', cur.state, cur.id);
    // A SIGKILL or SIGTERM by a user means "stay down": restart policies do not bring it back.
    if (sig === 9 || sig === 15) ctx.save(c.id, {}, { manuallyStopped: true });
    if (cur.state === 'paused' && sig === 9) thawQuietly(ctx, cur);
    await ctx.shims.signal(ctx.data(cur).shimKey, sig).catch((err: unknown) => {
      if (!(err instanceof BerthError && err.code === 'FailedPrecondition')) throw err;
    });
    ctx.emit(cur, 'kill', { signal: String(sig) });
  });
  if (sig === 9) await ctx.runs.get(c.id);
}

/** docker stop: StopSignal (SIGTERM), then SIGKILL after `timeout` seconds (-1: wait for ever). */
export async function stopContainer(
  ctx: ServiceContext,
  ref: string,
  timeout?: number,
  signal?: string,
): Promise<boolean> {
  const c = ctx.find(ref);
  const stopped = await ctx.locked(c.id, () => stopLocked(ctx, c.id, timeout, signal));
  await ctx.runs.get(c.id);
  return stopped;
}

/** The stop itself, under the lock: false when the container was not running (dockerd's 304). */
export async function stopLocked(
  ctx: ServiceContext,
  id: string,
  timeout?: number,
  signal?: string,
): Promise<boolean> {
  const cur = ctx.records.get(id);
  if (cur.state === 'restarting') {
    clearTimeout(ctx.restartTimers.get(id));
    ctx.restartTimers.delete(id);
    ctx.save(id, { state: 'exited' }, { manuallyStopped: true });
    return true;
  }
  if (cur.state !== 'running' && cur.state !== 'paused') return false;
  ctx.save(id, {}, { manuallyStopped: true });
  const config = cur.config as { StopSignal?: string; StopTimeout?: number };
  const sig = signalNumber(signal || config.StopSignal || 'SIGTERM');
  const seconds = timeout ?? config.StopTimeout ?? DEFAULT_STOP_TIMEOUT;
  const key = ctx.data(cur).shimKey;
  if (cur.state === 'paused') thawQuietly(ctx, cur);
  const done = ctx.shims.wait(key);
  await ctx.shims.signal(key, sig).catch(ignoreExited);
  ctx.emit(cur, 'kill', { signal: String(sig) });
  if (seconds >= 0) {
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), seconds * 1000))),
    ]);
    clearTimeout(timer);
    if (late) {
      await ctx.shims.signal(key, 'SIGKILL').catch(ignoreExited);
      ctx.emit(cur, 'kill', { signal: '9' });
    }
  }
  await done.catch(() => undefined);
  ctx.emit(cur, 'stop');
  return true;
}

/** docker restart: stop (if running), then start; restart policies see a user's restart, not a stop. */
export async function restartContainer(
  ctx: ServiceContext,
  ref: string,
  timeout?: number,
  signal?: string,
): Promise<void> {
  const c = ctx.find(ref);
  ctx.userRestarts.add(c.id);
  try {
    await ctx.locked(c.id, () => stopLocked(ctx, c.id, timeout, signal));
    await ctx.runs.get(c.id);
  } finally {
    ctx.userRestarts.delete(c.id);
  }
  await ctx.locked(c.id, () => startLocked(ctx, c.id, false));
  ctx.emit(ctx.records.get(c.id), 'restart');
}

/** The cgroups of a running container (the shim's record has them on the built-in path). */
export async function cgroupPathsOf(ctx: ServiceContext, c: Container): Promise<Record<string, string>> {
  const st = await ctx.shims.state(ctx.data(c).shimKey);
  if (st.record.cgroupPaths) return st.record.cgroupPaths;
  const spec = c.spec as { linux?: { cgroupsPath?: string } };
  return resolveCgroupPaths(spec.linux?.cgroupsPath, c.id, hostLayout());
}

function thawQuietly(ctx: ServiceContext, c: Container): void {
  void cgroupPathsOf(ctx, c)
    .then((p) => thawCgroups(p))
    .catch(() => undefined);
}

/** docker pause: the cgroup freezer (as runc pause does). */
export async function pauseContainer(ctx: ServiceContext, ref: string): Promise<void> {
  const c = ctx.find(ref);
  await ctx.locked(c.id, async () => {
    const cur = ctx.records.get(c.id);
    check('pause', cur.state, cur.id);
    await freezeCgroups(await cgroupPathsOf(ctx, cur));
    ctx.emit(ctx.save(cur.id, { state: 'paused' }), 'pause');
  });
}

/** docker unpause. */
export async function unpauseContainer(ctx: ServiceContext, ref: string): Promise<void> {
  const c = ctx.find(ref);
  await ctx.locked(c.id, async () => {
    const cur = ctx.records.get(c.id);
    check('unpause', cur.state, cur.id);
    thawCgroups(await cgroupPathsOf(ctx, cur));
    ctx.emit(ctx.save(cur.id, { state: 'running' }), 'unpause');
  });
}

function ignoreExited(err: unknown): void {
  if (err instanceof BerthError && err.code === 'FailedPrecondition') return;
  throw err;
}
