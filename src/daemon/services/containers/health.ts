// Health checks as dockerd runs them (daemon/health.go): the Healthcheck's test is exec'd in the
// container every Interval (StartInterval during StartPeriod), killed after Timeout; Status is
// `starting` until the first success, `healthy` after a success, `unhealthy` after Retries failures in
// a row (failures during the start period do not count); the last 5 results are kept in Log, output cut
// at 4 KiB; a change of status is a `health_status: <status>` event.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../../../base/errors.js';
import type { Spec } from '../../../oci/runtime-spec.js';
import type { ServiceContext } from './context.js';
import { execProcess } from './exec.js';
import type { HealthLogEntry, HealthState } from './types.js';

const NANO = 1_000_000;
const DEFAULT_INTERVAL = 30_000;
const DEFAULT_TIMEOUT = 30_000;
const DEFAULT_RETRIES = 3;
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 4096;

/** Starts the health check loop of a container that has a healthcheck (no-op otherwise). */
export function startHealthChecks(ctx: ServiceContext, id: string): void {
  stopHealthChecks(ctx, id);
  const c = ctx.records.get(id);
  const check = ctx.data(c).healthcheck;
  if (!check?.Test?.length || check.Test[0] === 'NONE') return;
  const interval = check.Interval ? check.Interval / NANO : DEFAULT_INTERVAL;
  const startInterval = check.StartInterval ? check.StartInterval / NANO : interval;
  const startPeriod = (check.StartPeriod ?? 0) / NANO;
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let probe = 0;
  const health: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };
  ctx.save(id, {}, { health });
  const next = (): void => {
    if (stopped) return;
    const inStart = Date.now() - started < startPeriod;
    timer = setTimeout(() => void run(), inStart ? startInterval : interval);
    timer.unref();
  };
  const run = async (): Promise<void> => {
    const inStart = Date.now() - started < startPeriod;
    const result = await runProbe(
      ctx,
      id,
      check.Test!,
      check.Timeout ? check.Timeout / NANO : DEFAULT_TIMEOUT,
      probe++,
    );
    if (stopped) return;
    const cur: HealthState = { ...(ctx.data(ctx.records.get(id)).health ?? health) };
    const before = cur.Status;
    if (result.ExitCode === 0) {
      cur.Status = 'healthy';
      cur.FailingStreak = 0;
    } else if (!inStart || cur.Status !== 'starting') {
      cur.FailingStreak++;
      if (cur.FailingStreak >= (check.Retries || DEFAULT_RETRIES)) cur.Status = 'unhealthy';
    }
    cur.Log = [...cur.Log, result].slice(-MAX_LOG_ENTRIES);
    const saved = ctx.save(id, {}, { health: cur });
    if (cur.Status !== before) ctx.emit(saved, `health_status: ${cur.Status}`);
    next();
  };
  next();
  ctx.healthLoops.set(id, {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  });
}

/** Stops a container's health checks (its last state stays in the record, as dockerd keeps it). */
export function stopHealthChecks(ctx: ServiceContext, id: string): void {
  ctx.healthLoops.get(id)?.stop();
  ctx.healthLoops.delete(id);
}

/** One probe: the test exec'd under its own shim, its output from its log, killed after `timeoutMs`. */
async function runProbe(
  ctx: ServiceContext,
  id: string,
  test: string[],
  timeoutMs: number,
  n: number,
): Promise<HealthLogEntry> {
  const start = new Date();
  const c = ctx.records.get(id);
  const data = ctx.data(c);
  const args = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
  const spec = c.spec as Spec;
  const log = join(data.bundle, `health-${n % 2}.log`);
  rmSync(log, { force: true });
  const execKey = `health${n}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const process = execProcess(spec, data.rootfs, { Cmd: args }, spec.hostname ?? c.id.slice(0, 12));
    const st = await ctx.shims.exec(data.shimKey, execKey, { process, log: { path: log, format: 'cri' } });
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const exit = await Promise.race([ctx.shims.wait(st.id), timedOut]);
    if (exit === 'timeout') {
      await ctx.shims.signal(st.id, 'SIGKILL').catch(() => undefined);
      await ctx.shims.wait(st.id).catch(() => undefined);
    }
    await ctx.shims.delete(st.id).catch(() => undefined);
    if (exit === 'timeout') return entry(start, -1, `Health check exceeded timeout (${timeoutMs / 1000}s)`);
    return entry(start, exit.exitCode, criOutput(log));
  } catch (err) {
    return entry(start, -1, messageOf(err));
  } finally {
    clearTimeout(timer);
    rmSync(log, { force: true });
  }
}

function entry(start: Date, code: number, output: string): HealthLogEntry {
  return {
    Start: start.toISOString(),
    End: new Date().toISOString(),
    ExitCode: code,
    Output: output.slice(0, MAX_OUTPUT),
  };
}

/** The text of a CRI log (specs/cri/log-format.md): `<time> <stream> <P|F> <content>` lines. */
function criOutput(path: string): string {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '';
  }
  let out = '';
  for (const line of text.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([PF]) (.*)$/.exec(line);
    if (m) out += m[2] + (m[1] === 'F' ? '\n' : '');
  }
  return out;
}
