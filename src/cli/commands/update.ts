// `berth update` (docker/cli's container/update.go): new resource limits and a new restart policy for
// one or more containers, applied by POST /containers/{id}/update. Only the flags given are sent.
import { BerthError, messageOf } from '../../base/errors.js';
import type { Flag } from '../../base/flags.js';
import type { Command } from '../command.js';
import { restartPolicy } from '../opts/container.js';
import { parseCpus, ramInBytes } from '../opts/units.js';

const FLAGS: Flag[] = [
  {
    name: 'blkio-weight',
    kind: 'int',
    usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable',
  },
  { name: 'cpu-period', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-rt-period', kind: 'int', usage: 'Limit the CPU real-time period in microseconds' },
  { name: 'cpu-rt-runtime', kind: 'int', usage: 'Limit the CPU real-time runtime in microseconds' },
  { name: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
  { name: 'cpus', kind: 'string', usage: 'Number of CPUs' },
  { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'memory', short: 'm', kind: 'string', usage: 'Memory limit' },
  { name: 'memory-reservation', kind: 'string', usage: 'Memory soft limit' },
  {
    name: 'memory-swap',
    kind: 'string',
    usage: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap',
  },
  { name: 'pids-limit', kind: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'restart', kind: 'string', usage: 'Restart policy to apply when a container exits' },
];

/** The update body of the flags given (update.go runUpdate: unset flags are left out). */
export function updateBody(v: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const ints: [string, string][] = [
    ['blkio-weight', 'BlkioWeight'],
    ['cpu-period', 'CpuPeriod'],
    ['cpu-quota', 'CpuQuota'],
    ['cpu-rt-period', 'CpuRealtimePeriod'],
    ['cpu-rt-runtime', 'CpuRealtimeRuntime'],
    ['cpu-shares', 'CpuShares'],
    ['pids-limit', 'PidsLimit'],
  ];
  for (const [flag, field] of ints) if (v[flag] !== undefined) body[field] = v[flag];
  const sizes: [string, string][] = [
    ['memory', 'Memory'],
    ['memory-reservation', 'MemoryReservation'],
  ];
  for (const [flag, field] of sizes) if (v[flag] !== undefined) body[field] = ramInBytes(v[flag] as string);
  // -1 is unlimited swap, not a size (opts.MemSwapBytes).
  if (v['memory-swap'] !== undefined)
    body.MemorySwap = v['memory-swap'] === '-1' ? -1 : ramInBytes(v['memory-swap'] as string);
  if (v.cpus !== undefined) body.NanoCpus = parseCpus(v.cpus as string);
  if (v['cpuset-cpus'] !== undefined) body.CpusetCpus = v['cpuset-cpus'];
  if (v['cpuset-mems'] !== undefined) body.CpusetMems = v['cpuset-mems'];
  if (v.restart !== undefined) body.RestartPolicy = restartPolicy(v.restart as string);
  return body;
}

/** `berth update`. */
export const update: Command = {
  name: 'update',
  usage: 'berth update [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  flags: FLAGS,
  args: { min: 1 },
  run: async (cli, v, refs) => {
    const body = updateBody(v);
    if (Object.keys(body).length === 0)
      throw new BerthError('InvalidArgument', 'you must provide one or more flags when using this command');
    let status = 0;
    for (const ref of refs) {
      try {
        const r = await cli.client.call('POST', `/containers/${encodeURIComponent(ref)}/update`, body);
        const { Warnings } = JSON.parse(r.body.toString('utf8') || '{}') as { Warnings?: string[] };
        for (const w of Warnings ?? []) cli.err(`${w}\n`);
        cli.out(`${ref}\n`);
      } catch (err) {
        cli.err(`Error response from daemon: ${messageOf(err)}\n`);
        status = 1;
      }
    }
    return status;
  },
};
