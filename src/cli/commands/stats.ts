// `berth stats` (docker/cli's container/stats.go and formatter/stats.go): a table of CPU %, memory,
// network and block I/O and pids per container, redrawn every second (or once with --no-stream).
import { bytesSize, humanSize } from '../../base/human-units.js';
import type { CliContext, Command } from '../command.js';
import { renderRows } from '../format/table.js';
import type { ContainerSummary } from '../format/containers.js';

/** The fields of a stats sample the table uses. */
export interface StatsJson {
  id: string;
  name: string;
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats: { current?: number };
  blkio_stats: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

const TABLE =
  'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Container: 'CONTAINER',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

/** The row docker prints for a sample (calculateCPUPercentUnix, calculateMemUsageUnixNoCache). */
export function statsRow(s: StatsJson, ref: string): Record<string, string> {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const cpu = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * (s.cpu_stats.online_cpus ?? 1) * 100 : 0;
  const raw = s.memory_stats.stats ?? {};
  const inactive = raw.total_inactive_file ?? raw.inactive_file ?? 0;
  const usage = s.memory_stats.usage ?? 0;
  const mem = inactive < usage ? usage - inactive : usage;
  const limit = s.memory_stats.limit ?? 0;
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    if (e.op.toLowerCase() === 'read') read += e.value;
    if (e.op.toLowerCase() === 'write') write += e.value;
  }
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  return {
    ID: s.id.slice(0, 12),
    Container: ref,
    Name: s.name.replace(/^\//, ''),
    CPUPerc: `${cpu.toFixed(2)}%`,
    MemUsage: `${bytesSize(mem)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit > 0 ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    BlockIO: `${humanSize(read)} / ${humanSize(write)}`,
    PIDs: String(s.pids_stats.current ?? 0),
  };
}

async function follow(cli: CliContext, ref: string, onSample: (s: StatsJson) => void): Promise<void> {
  const res = await cli.client.open('GET', `/containers/${encodeURIComponent(ref)}/stats?stream=1`);
  let pending = '';
  for await (const chunk of res) {
    pending += (chunk as Buffer).toString('utf8');
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) onSample(JSON.parse(line) as StatsJson);
    }
  }
}

/** `berth stats`. */
export const stats: Command = {
  name: 'stats',
  usage: 'berth stats [OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    { name: 'format', kind: 'string', usage: 'Format output using a custom template' },
    { name: 'no-stream', kind: 'bool', usage: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', kind: 'bool', usage: 'Do not truncate output' },
  ],
  run: async (cli, v, args) => {
    const refs = args.length
      ? args
      : (await cli.client.json<ContainerSummary[]>(`/containers/json${v.all ? '?all=1' : ''}`)).map(
          (c) => c.Id,
        );
    const format = (v.format as string | undefined) ?? TABLE;
    const render = (rows: Record<string, string>[]): string =>
      renderRows(
        format === 'table' ? TABLE : format,
        rows.map((context) => ({ context })),
        HEADERS,
      );
    if (v['no-stream']) {
      const rows = [];
      for (const ref of refs) {
        const s = await cli.client.json<StatsJson>(`/containers/${encodeURIComponent(ref)}/stats?stream=0`);
        rows.push(statsRow(s, ref));
      }
      cli.out(render(rows));
      return 0;
    }
    const latest = new Map<string, Record<string, string>>();
    const draw = (): void => {
      // docker redraws in place: clear the screen and go home, then the table.
      if (cli.tty) cli.out('\x1b[2J\x1b[H');
      cli.out(
        render(refs.map((r) => latest.get(r)).filter((r): r is Record<string, string> => r !== undefined)),
      );
    };
    const timer = setInterval(draw, 1000);
    try {
      await Promise.all(refs.map((ref) => follow(cli, ref, (s) => latest.set(ref, statsRow(s, ref)))));
    } finally {
      clearInterval(timer);
    }
    return 0;
  },
};
