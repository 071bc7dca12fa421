// What tests look at on the host: interfaces, namespaces, iptables rules and leases, read from the kernel
// and the tools (ip, iptables-save, nsenter), never from the library's own word. Everything is scoped to
// what one test made (its state dir, its bridges, its subnets), because other engineers' tests run on
// this machine at the same time.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether this process may make namespaces and interfaces; network tests skip loudly otherwise. */
export const skipUnlessRoot =
  process.getuid?.() === 0 ? false : 'needs root (network namespaces, bridges, iptables)';

/** Runs a program and returns its stdout; throws with its stderr on failure. */
export async function sh(
  file: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<string> {
  const { stdout } = await run(file, args, { timeout: opts.timeoutMs ?? 30_000, encoding: 'utf8' });
  return stdout;
}

/** Runs a program and reports how it exited, without throwing. */
export async function tryRun(
  file: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: timeoutMs, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
    };
  }
}

/** Runs a program inside a network namespace (nsenter(1) --net), in the host's other namespaces. */
export function inNetns(netns: string, file: string, args: string[], timeoutMs = 30_000) {
  return tryRun('nsenter', [`--net=${netns}`, '--', file, ...args], timeoutMs);
}

/** Interfaces of the host namespace: name, kind (veth, bridge, ...) and master. */
export async function hostLinks(): Promise<{ ifname: string; kind?: string; master?: string }[]> {
  const out = await sh('ip', ['-j', '-d', 'link', 'show']);
  return (JSON.parse(out) as { ifname: string; master?: string; linkinfo?: { info_kind?: string } }[]).map(
    (l) => ({
      ifname: l.ifname,
      kind: l.linkinfo?.info_kind,
      master: l.master,
    }),
  );
}

/** Interface names inside a network namespace. */
export async function netnsLinks(netns: string): Promise<string[]> {
  const r = await inNetns(netns, 'ip', ['-j', 'link', 'show']);
  if (r.code !== 0) throw new Error(`ip link in "${netns}": ${r.stderr}`);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

/** Mount points of namespace files (fstype nsfs) at or below `dir`, from /proc/self/mountinfo. */
export function nsfsMountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => {
      const sep = line.indexOf(' - ');
      return { target: line.split(' ')[4] ?? '', fstype: line.slice(sep + 3).split(' ')[0] };
    })
    .filter((m) => m.fstype === 'nsfs' && (m.target === dir || m.target.startsWith(`${dir}/`)))
    .map((m) => m.target);
}

/** iptables-save lines (rules and chain declarations) of the filter and nat tables that mention any of `needles`. */
export async function iptablesLines(needles: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const table of ['filter', 'nat']) {
    const out = await sh('iptables-save', ['-t', table]);
    for (const line of out.split('\n'))
      if ((line.startsWith('-A ') || line.startsWith(':')) && needles.some((n) => line.includes(n)))
        lines.push(`${table} ${line.replace(/\[\d+:\d+\]/, '')}`);
  }
  return lines.sort();
}

/** Lease files host-local keeps under its data dir (every file but its lock and last_reserved_ip.*). */
export function leases(dataDir: string): string[] {
  const out: string[] = [];
  let nets: string[];
  try {
    nets = readdirSync(dataDir);
  } catch {
    return out;
  }
  for (const net of nets) {
    let files: string[];
    try {
      files = readdirSync(join(dataDir, net));
    } catch {
      continue;
    }
    for (const f of files) if (f !== 'lock' && !f.startsWith('last_reserved_ip')) out.push(`${net}/${f}`);
  }
  return out.sort();
}

/** A private directory for one test's state and root dirs, removed by `remove()`. */
export function scratchDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A short unique token for names that must not collide with other engineers' tests (interfaces are 15 chars). */
export function token(): string {
  return `${(process.pid % 1296).toString(36).padStart(2, '0')}${Math.random().toString(36).slice(2, 6)}`;
}
