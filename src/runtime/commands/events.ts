// `events [--stats] [--interval D] <id>`: the container's statistics and OOM notifications as JSON lines,
// as `runc events` (runc-events.8; types.Event): `--stats` prints one {"type":"stats",...} and exits;
// otherwise a stats line every interval (5s by default) and an {"type":"oom","id":...} line per OOM,
// until the container stops (as runc does on cgroup v2, where it watches "populated 0").
import { BerthError } from '../../base/errors.js';
import { writeOut } from '../../base/stdio.js';
import { containerStats, eventLine, hostLayout, watchOom, type OomWatcher } from '../cgroups/index.js';
import { expectArgs, parseArgs } from '../cli-args.js';
import { logEntry, type RuntimeContext } from '../context.js';
import { loadRecord, statusOf } from '../state/store.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go time.Duration string (`5s`, `100ms`, `1m30s`, `1.5h`) in milliseconds. */
export function parseGoDuration(flag: string, text: string): number {
  const bad = (): BerthError =>
    new BerthError(
      'InvalidArgument',
      `invalid value "${text}" for flag -${flag}: time: invalid duration "${text}"`,
    );
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let ms = 0;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m) throw bad();
    ms += parseFloat(m[1]!) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * ms;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How often OOM and liveness are checked between stats lines. */
const POLL_MS = 100;

/** Runs `events`. */
export async function events(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'interval', type: 'string' },
    { name: 'stats', type: 'bool' },
  ]);
  expectArgs('events', args, 1);
  const interval = parseGoDuration('interval', (flags.interval as string | undefined) ?? '5s');
  if (interval <= 0) throw new BerthError('InvalidArgument', 'duration interval must be greater than 0');
  const rec = loadRecord(ctx.root, args[0]!);
  if (statusOf(ctx.root, rec) === 'stopped')
    throw new BerthError('FailedPrecondition', `container with id ${rec.id} is not running`);
  const layout = hostLayout();
  if (flags.stats) {
    writeOut(eventLine('stats', rec.id, containerStats(rec.cgroupPaths, layout)));
    return 0;
  }
  let oom: OomWatcher | undefined;
  try {
    oom = watchOom(rec.cgroupPaths, layout);
  } catch (err) {
    // Stats still work without OOM notifications (a memory cgroup that refuses event_control).
    logEntry(ctx, 'warning', `events: no OOM notifications: ${(err as Error).message}`);
  }
  try {
    let nextStats = Date.now() + interval;
    for (;;) {
      for (let n = oom?.poll() ?? 0; n > 0; n--) writeOut(eventLine('oom', rec.id));
      if (statusOf(ctx.root, rec) === 'stopped') return 0;
      if (Date.now() >= nextStats) {
        try {
          writeOut(eventLine('stats', rec.id, containerStats(rec.cgroupPaths, layout)));
        } catch (err) {
          logEntry(ctx, 'error', `events: stats: ${(err as Error).message}`); // runc logs and goes on
        }
        nextStats += interval;
      }
      await sleep(Math.max(1, Math.min(POLL_MS, nextStats - Date.now())));
    }
  } finally {
    oom?.close();
  }
}
