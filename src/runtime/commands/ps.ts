// `ps [--format table|json] <id> [ps options]`: the container's processes, as `runc ps` (runc-ps.8).
// json: a bare array of host pids (what containerd's shim parses for `docker top` and `ctr task ps`);
// table: ps(1) run with the given options (`-ef` by default), keeping its header and the rows whose PID
// column names one of the container's processes.
import { spawnSync } from 'node:child_process';
import { BerthError } from '../../base/errors.js';
import { writeOut } from '../../base/stdio.js';
import { cgroupExists, cgroupPids } from '../cgroups/index.js';
import { parseArgs } from '../cli-args.js';
import type { RuntimeContext } from '../context.js';
import { loadRecord, statusOf } from '../state/store.js';

/** Keeps the header and the rows of `output` (ps(1) text) whose PID column is in `pids`. */
export function filterPsOutput(output: string, pids: readonly number[]): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const index = header.trim().split(/\s+/).indexOf('PID');
  if (index < 0) throw new BerthError('InvalidArgument', "couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const out = [header];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const field = line.trim().split(/\s+/)[index] ?? '';
    if (!/^\d+$/.test(field)) throw new BerthError('Internal', `unable to parse pid: "${field}"`);
    if (wanted.has(Number(field))) out.push(line);
  }
  return out.join('\n') + '\n';
}

/** Runs `ps`. */
export async function ps(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [{ name: 'format', alias: 'f', type: 'string' }], true);
  if (args.length < 1) throw new BerthError('InvalidArgument', '"ps" requires a minimum of 1 argument(s)');
  const [id, ...psArgs] = args as [string, ...string[]];
  const format = (flags.format as string | undefined) ?? 'table';
  if (format !== 'table' && format !== 'json')
    throw new BerthError('InvalidArgument', 'invalid format option');
  const rec = loadRecord(ctx.root, id);
  // A stopped container whose cgroup is gone simply has no processes (runc's Processes()).
  const pids =
    statusOf(ctx.root, rec) === 'stopped' && !cgroupExists(rec.cgroupPaths)
      ? []
      : cgroupPids(rec.cgroupPaths);
  if (format === 'json') {
    // Go's encoding of runc's []int: an empty (nil) list is null.
    writeOut((pids.length ? JSON.stringify(pids) : 'null') + '\n');
    return 0;
  }
  const r = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.error) throw new BerthError('Unavailable', `ps: ${r.error.message}`);
  const output = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.status !== 0)
    throw new BerthError('InvalidArgument', `exit status ${r.status ?? 1}: ${output.trim()}`);
  writeOut(filterPsOutput(r.stdout, pids));
  return 0;
}
