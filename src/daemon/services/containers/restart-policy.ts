// What happens after a container exits: AutoRemove (`--rm`) removes it; a restart policy (`no`,
// `always`, `unless-stopped`, `on-failure[:N]`) may start it again after dockerd's backoff — 100 ms,
// doubled at every restart, at most one minute, back to 100 ms once a run lasted 10 s
// (moby restartmanager). A user's stop or kill keeps it down (HasBeenManuallyStopped).
import type { HostConfig } from '../../../../api/docker/container.js';
import { BerthError, messageOf } from '../../../base/errors.js';
import type { Container } from '../../../metadata/index.js';
import type { ServiceContext } from './context.js';

const BACKOFF_START = 100;
const BACKOFF_MAX = 60_000;
const RESET_AFTER = 10_000;

/** Whether the policy restarts a container that exited with `exitCode` after `restartCount` restarts. */
export function shouldRestart(
  policy: HostConfig['RestartPolicy'],
  exitCode: number,
  restartCount: number,
  manuallyStopped: boolean,
): boolean {
  if (manuallyStopped) return false;
  switch (policy?.Name ?? '') {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure': {
      const max = policy?.MaximumRetryCount ?? 0;
      return exitCode !== 0 && (max === 0 || restartCount < max);
    }
    default:
      return false;
  }
}

/** Applies AutoRemove or the restart policy to a container whose exit was just recorded (under its lock). */
export function afterExit(ctx: ServiceContext, c: Container): void {
  if (ctx.userRestarts.has(c.id)) return;
  const host = c.hostConfig as HostConfig;
  const data = ctx.data(c);
  if (shouldRestart(host.RestartPolicy, c.exitCode ?? 0, c.restartCount, data.manuallyStopped)) {
    scheduleRestart(ctx, c);
    return;
  }
  if (host.AutoRemove)
    // Not under this lock: remove takes it itself.
    setImmediate(() => {
      void ctx.actions
        .autoRemove(c.id)
        .catch((err: unknown) => ctx.log.warn('auto-remove failed', { id: c.id, error: messageOf(err) }));
    });
}

/** Marks the container restarting and starts it again after the backoff. */
function scheduleRestart(ctx: ServiceContext, c: Container): void {
  const ran = (c.finishedAt?.getTime() ?? Date.now()) - (c.startedAt?.getTime() ?? 0);
  const previous = ctx.backoff.get(c.id);
  const delay =
    previous === undefined || ran >= RESET_AFTER ? BACKOFF_START : Math.min(previous * 2, BACKOFF_MAX);
  ctx.backoff.set(c.id, delay);
  ctx.save(c.id, { state: 'restarting' });
  const timer = setTimeout(() => {
    ctx.restartTimers.delete(c.id);
    void ctx
      .locked(c.id, async () => {
        const cur = ctx.records.get(c.id);
        if (cur.state !== 'restarting') return; // stopped or removed meanwhile
        await ctx.actions.startLocked(c.id, true);
      })
      .catch((err: unknown) => {
        ctx.log.warn('restart by policy failed', { id: c.id, error: messageOf(err) });
        try {
          const cur = ctx.records.get(c.id);
          ctx.save(c.id, { state: 'exited', restartCount: cur.restartCount + 1 });
          afterExit(ctx, ctx.records.get(c.id));
        } catch {
          // removed meanwhile
        }
      });
  }, delay);
  timer.unref();
  ctx.restartTimers.set(c.id, timer);
}

/** dockerd's validateRestartPolicy (daemon/container.go): a known name, a retry count only with on-failure. */
export function checkRestartPolicy(p: HostConfig['RestartPolicy'] | undefined): void {
  const policy = p?.Name ?? '';
  if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(policy))
    throw new BerthError(
      'InvalidArgument',
      `invalid restart policy: unknown policy '${policy}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
    );
  const retries = p?.MaximumRetryCount ?? 0;
  if (retries < 0)
    throw new BerthError('InvalidArgument', 'invalid restart policy: maximum retry count cannot be negative');
  if (retries > 0 && policy !== 'on-failure')
    throw new BerthError(
      'InvalidArgument',
      `invalid restart policy: maximum retry count can only be used with 'on-failure'`,
    );
}
