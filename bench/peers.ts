// What the benchmarks share: the peer runtimes found on this machine, a timed command, medians, and the
// cgroup setup crun 1.8 needs here. Node processes run without NODE_EXTRA_CA_CERTS (this machine sets
// it; users don't, and it adds ~75 ms to every Node start).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/base/package-root.js';

/** The environment of every timed command. */
export const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

/** A runtime under comparison, with a private --root. */
export interface Runtime {
  name: string;
  bin: string;
  root: string;
}

/** The path of `bin` on PATH, or undefined. */
export function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** berth-runtime, then runc and crun where installed (a missing one is said and skipped). */
export function runtimes(work: string): Runtime[] {
  const found: Runtime[] = [
    { name: 'berth-runtime', bin: join(packageRoot(), 'dist', 'berth-runtime'), root: join(work, 'berth') },
  ];
  for (const name of ['runc', 'crun']) {
    const bin = which(name);
    if (bin) found.push({ name, bin, root: join(work, name) });
    else console.log(`${name}: not installed, skipped`);
  }
  return found;
}

export { mountMissingV1Hierarchies } from '../test/fixtures/crun.js';

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `bin args` to completion and returns its wall time in ms; throws on a non-zero exit. */
export function timed(bin: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  // No pipes: a created container inherits stdio and would hold a pipe open until it exits.
  const r = spawnSync(bin, args, { env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: exit ${r.status}`);
  return ms;
}

/** `x / y` as "1.23x", or "-" without a base. */
export function ratio(x: number, y: number | undefined): string {
  return y ? (x / y).toFixed(2) + 'x' : '-';
}

/** Wall time of an async step, in ms. */
export async function timeAsync(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** An engine driven through its CLI: the binary, its global arguments and environment. */
export interface CliEngine {
  name: string;
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Runs one CLI command; resolves with its stdout and wall time, rejects on a non-zero exit. */
export function runCli(e: CliEngine, args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(e.bin, [...e.args, ...args], { env: e.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`${e.name} ${args.join(' ')}: exit ${code}: ${stderr.trim()}`));
    });
  });
}
