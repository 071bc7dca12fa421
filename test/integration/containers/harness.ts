// A berthd with the busybox image in its store, for the container tests, and a cleanup that leaves
// nothing: every container removed through the API, then the daemon stopped, then a check (and a
// forced undo, so that one failed test does not leak into the next) of mounts and shims under its dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Demuxer } from '../../../src/dockerapi/stdcopy.js';
import { native } from '../../../src/base/native.js';
import { seedBusyboxImage } from '../../fixtures/store-image.js';
import { startBerthd, type TestDaemon } from '../daemon/harness.js';
import { runtimeEnv } from '../runtime/harness.js';

/** Starts berthd on a fresh root holding busybox:latest. */
export function startContainersDaemon(
  opts: { config?: object; args?: string[]; dir?: string } = {},
): Promise<TestDaemon> {
  return startBerthd({ ...opts, seed: opts.dir ? undefined : (root) => seedBusyboxImage(root) });
}

/** Mount points under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
}

/** Live shim pids under the daemon's state dir. */
export function shimPids(d: TestDaemon): number[] {
  const root = join(d.state, 'shims');
  const pids: number[] = [];
  let ids: string[] = [];
  try {
    ids = readdirSync(root);
  } catch {
    return [];
  }
  for (const id of ids) {
    try {
      const pid = Number(readFileSync(join(root, id, 'shim.pid'), 'utf8'));
      process.kill(pid, 0);
      pids.push(pid);
    } catch {
      // no shim, or gone
    }
  }
  return pids;
}

/** Removes every container, stops the daemon, and returns what was left (then undone). */
export async function cleanupDaemon(d: TestDaemon): Promise<{ mounts: string[]; shims: number[] }> {
  try {
    const list = await d.api('GET', '/containers/json?all=1');
    for (const c of (list.body as { Id: string }[]) ?? [])
      await d.api('DELETE', `/containers/${c.Id}?force=1&v=1`);
  } catch {
    // the daemon is gone: what it left is undone below
  }
  await d.stop({ keep: true });
  const left = { mounts: mountsUnder(d.dir), shims: shimPids(d) };
  for (const pid of left.shims) process.kill(pid, 'SIGKILL');
  for (const m of left.mounts) native().umount2(m, native().MNT_DETACH);
  await d.stop();
  return left;
}

/** Splits a multiplexed body into stdout and stderr text. */
export function demux(body: Buffer): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  for (const f of new Demuxer().push(body)) {
    if (f.stream === 1) out.stdout += f.payload.toString('utf8');
    else if (f.stream === 2) out.stderr += f.payload.toString('utf8');
  }
  return out;
}

/** One API request whose body is returned as bytes (multiplexed streams are binary). */
export function rawApi(
  d: TestDaemon,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: d.socket, method, path, headers: payload ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Creates a container from busybox with `cmd` (and more of the create body); returns its id. */
export async function createContainer(
  d: TestDaemon,
  cmd: string[],
  extra: Record<string, unknown> = {},
  name?: string,
): Promise<string> {
  const r = await d.api('POST', `/containers/create${name ? `?name=${name}` : ''}`, {
    Image: 'busybox',
    Cmd: cmd,
    ...extra,
  });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
  return (r.body as { Id: string }).Id;
}

/** The parts of GET /containers/{id}/json the tests read. */
export interface Inspected {
  Id: string;
  Name: string;
  Path: string;
  Args: string[];
  RestartCount: number;
  State: {
    Status: string;
    ExitCode: number;
    Pid: number;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] };
  };
  Config: { Image: string; Labels: Record<string, string>; Env: string[] };
  HostConfig: Record<string, unknown>;
  Mounts: { Type: string; Source: string; Destination: string; Name?: string }[];
}

/**
 * A program on a pseudo-terminal, driven by the test: util-linux script(1) makes the pty and passes
 * our pipe into it, so the CLI sees a terminal (raw mode, sizes) as a person's shell would give it.
 */
export class PtySession {
  private text = '';
  private readonly child: ChildProcess;
  /** Resolves with script's status (-e: the program's own). */
  readonly exited: Promise<number>;

  constructor(file: string, args: string[]) {
    const command = [file, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    this.child = spawn('script', ['-qefc', command, '/dev/null'], {
      env: runtimeEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.text += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.text += d));
    this.child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code ?? 128 + 9)));
  }

  /** Everything the terminal showed so far. */
  output(): string {
    return this.text;
  }

  /** Types `keys` (a newline is the Enter key; \x10\x11 is ctrl-p ctrl-q). */
  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Waits until the terminal shows a match of `re` (within 20 s). */
  async expect(re: RegExp): Promise<void> {
    for (let i = 0; i < 200 && !re.test(this.text); i++) await sleep(100);
    if (!re.test(this.text)) throw new Error(`the terminal never showed ${re}: ${JSON.stringify(this.text)}`);
  }

  /** Waits for the exit (killing script by its pid after 20 s); returns the status. */
  async close(): Promise<number> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
