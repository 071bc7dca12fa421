// Runs a private berthd (its own data root, exec root, socket, pid file and config file in a temp dir)
// for a test, and stops it by its own pid afterwards, leaving nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../../src/base/package-root.js';
import { exec, runtimeEnv, type Result } from '../runtime/harness.js';

/** The bundled daemon and CLI under test. */
export const BERTHD = join(packageRoot(), 'dist', 'berthd');
export const BERTH = join(packageRoot(), 'dist', 'berth');

/** A berthd started by startBerthd. */
export interface TestDaemon {
  dir: string;
  root: string;
  state: string;
  socket: string;
  /** `unix://<socket>`, for -H and DOCKER_HOST. */
  host: string;
  pidfile: string;
  child: ChildProcess;
  /** Everything the daemon wrote on stderr so far. */
  log(): string;
  /** One API request; the body is parsed as JSON when it is JSON. */
  api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Record<string, unknown>; body: unknown; text: string }>;
  /** Runs the berth CLI against this daemon. */
  berth(args: string[], opts?: { input?: string }): Promise<Result>;
  /** Runs the real docker CLI against this daemon. */
  docker(args: string[], opts?: { input?: string }): Promise<Result>;
  /** SIGTERM (then SIGKILL) by pid; removes the temp dir unless `keep` (to start again on it). */
  stop(opts?: { keep?: boolean }): Promise<void>;
  /** SIGKILL by pid, keeping the temp dir (a crash: containers must not notice). */
  kill(): Promise<void>;
}

/** Starts berthd on private paths and waits until it answers /_ping. */
export async function startBerthd(
  opts: {
    args?: string[];
    config?: object;
    /** Runs on the data root before the daemon starts (e.g. test/fixtures/store-image.ts seedBusyboxImage). */
    seed?: (root: string) => Promise<unknown>;
    /** Reuse this directory (a daemon restarted on the same root); made when absent. */
    dir?: string;
  } = {},
): Promise<TestDaemon> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'berth-daemon-'));
  const root = join(dir, 'root');
  if (opts.seed) await opts.seed(root);
  const state = join(dir, 'run');
  const socket = join(state, 'berth.sock');
  const pidfile = join(state, 'berthd.pid');
  const configFile = join(dir, 'daemon.json');
  // No default bridge unless a test asks for one (networks-fixture.ts): a daemon's bridge outlives it, as
  // docker0 does, and daemons of tests running side by side would share one device and subnet.
  writeFileSync(configFile, JSON.stringify({ bridge: 'none', ...(opts.config ?? {}) }));
  let log = '';
  const child = spawn(
    BERTHD,
    [
      '--data-root',
      root,
      '--exec-root',
      state,
      '-H',
      `unix://${socket}`,
      '-p',
      pidfile,
      '--config-file',
      configFile,
      ...(opts.args ?? []),
    ],
    { env: runtimeEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const host = `unix://${socket}`;
  const d: TestDaemon = {
    dir,
    root,
    state,
    socket,
    host,
    pidfile,
    child,
    log: () => log,
    api: (method, path, body) => api(socket, method, path, body),
    berth: (args, o) => exec(BERTH, ['-H', host, ...args], o),
    docker: (args, o) => exec('docker', ['-H', host, ...args], o),
    stop: async (o = {}) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`berthd exited with ${child.exitCode}: ${log}`);
    }
    if (existsSync(socket)) {
      try {
        if ((await d.api('GET', '/_ping')).status === 200) break;
      } catch {
        // not listening yet
      }
    }
    if (i > 200) {
      await d.stop();
      throw new Error(`berthd did not answer within 10 s: ${log}`);
    }
    await sleep(50);
  }
  return d;
}

/** One HTTP request on a unix socket. */
export function api(
  socket: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: socket, method, path, headers: payload ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The pid in a pid file, or undefined. */
export function pidIn(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}
