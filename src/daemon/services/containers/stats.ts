// GET /containers/{id}/stats in dockerd's shape (swagger ContainerStatsResponse, moby's
// daemon/stats_collector_unix.go): cpu, memory, pids and blkio read from the container's cgroups
// (runtime/cgroups containerStats), the host's CPU time from /proc/stat, and the previous sample as
// precpu_stats so that clients can compute a CPU percentage.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Container } from '../../../metadata/index.js';
import { containerStats, hostLayout, type Stats } from '../../../runtime/index.js';
import type { ServiceContext } from './context.js';
import { cgroupPathsOf } from './lifecycle.js';

/** USER_HZ of /proc/stat (sysconf(_SC_CLK_TCK) is 100 on Linux). */
const CLOCK_TICKS = 100;
const ZERO = '0001-01-01T00:00:00Z';

/** The host's total CPU time in nanoseconds (moby's getSystemCPUUsage). */
export function systemCpuNanos(text = readFileSync('/proc/stat', 'utf8')): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line
    .split(/\s+/)
    .slice(1, 8)
    .map(Number)
    .reduce((a, b) => a + b, 0);
  return (ticks * 1e9) / CLOCK_TICKS;
}

/** One sample, as the API sends it (without precpu_stats). */
export interface StatsSample {
  read: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: Record<string, unknown[] | null>;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: {
    cpu_usage: {
      total_usage: number;
      percpu_usage?: number[];
      usage_in_kernelmode: number;
      usage_in_usermode: number;
    };
    system_cpu_usage?: number;
    online_cpus?: number;
    throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
  };
  memory_stats: { usage?: number; max_usage?: number; limit?: number; stats?: Record<string, number> };
}

/** An all-zero sample (a container that does not run), as dockerd sends it. */
export function emptySample(read = ZERO): StatsSample {
  return {
    read,
    pids_stats: {},
    blkio_stats: {
      io_service_bytes_recursive: null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: {
      cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    },
    memory_stats: {},
  };
}

function toSample(s: Stats): StatsSample {
  const n = (v: bigint): number => Number(v);
  const blk = (list: Stats['blkio']['ioServiceBytesRecursive']): unknown[] =>
    list.map((e) => ({ major: n(e.major), minor: n(e.minor), op: e.op, value: n(e.value) }));
  const limit = s.memory.usage.limit;
  return {
    read: new Date().toISOString(),
    pids_stats: { current: n(s.pids.current), ...(s.pids.limit > 0n ? { limit: n(s.pids.limit) } : {}) },
    blkio_stats: {
      io_service_bytes_recursive: blk(s.blkio.ioServiceBytesRecursive),
      io_serviced_recursive: blk(s.blkio.ioServicedRecursive),
      io_queue_recursive: blk(s.blkio.ioQueueRecursive),
      io_service_time_recursive: blk(s.blkio.ioServiceTimeRecursive),
      io_wait_time_recursive: blk(s.blkio.ioWaitTimeRecursive),
      io_merged_recursive: blk(s.blkio.ioMergedRecursive),
      io_time_recursive: blk(s.blkio.ioTimeRecursive),
      sectors_recursive: blk(s.blkio.sectorsRecursive),
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: {
      cpu_usage: {
        total_usage: n(s.cpu.usage.total),
        ...(s.cpu.usage.percpu.length ? { percpu_usage: s.cpu.usage.percpu.map(n) } : {}),
        usage_in_kernelmode: n(s.cpu.usage.kernel),
        usage_in_usermode: n(s.cpu.usage.user),
      },
      system_cpu_usage: systemCpuNanos(),
      online_cpus: cpus().length,
      throttling_data: {
        periods: n(s.cpu.throttling.periods),
        throttled_periods: n(s.cpu.throttling.throttledPeriods),
        throttled_time: n(s.cpu.throttling.throttledTime),
      },
    },
    memory_stats: {
      usage: n(s.memory.usage.usage),
      ...(s.memory.usage.max > 0n ? { max_usage: n(s.memory.usage.max) } : {}),
      // "no limit" reads as a huge number in v1; dockerd reports it as is, clients cap it by host memory.
      limit: limit > 0n && limit < 2n ** 62n ? n(limit) : totalMemory(),
      stats: Object.fromEntries(Object.entries(s.memory.raw).map(([k, v]) => [k, n(v)])),
    },
  };
}

function totalMemory(): number {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** A sample of a container now (zeros when it does not run). */
export async function sampleStats(ctx: ServiceContext, c: Container): Promise<StatsSample> {
  if (c.state !== 'running' && c.state !== 'paused') return emptySample();
  try {
    return toSample(containerStats(await cgroupPathsOf(ctx, c), hostLayout()));
  } catch {
    return emptySample(); // it exited between the look at its state and the read
  }
}

/** The response object of one sample with its predecessor. */
export function statsResponse(
  c: Container,
  now: StatsSample,
  previous: StatsSample | undefined,
): Record<string, unknown> {
  return {
    ...now,
    preread: previous?.read ?? ZERO,
    precpu_stats: previous?.cpu_stats ?? emptySample().cpu_stats,
    name: `/${c.name ?? ''}`,
    id: c.id,
  };
}
