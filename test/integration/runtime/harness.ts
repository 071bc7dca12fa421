// Drives the real berth-runtime binary against real busybox bundles, each test with its own --root, and
// removes everything it made (containers by their own pids through `delete --force`, dirs, cgroups).
import { spawn, type StdioOptions } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/base/package-root.js';
import { defaultSpec } from '../../../src/oci/default-spec.js';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { makeBusyboxRootfs } from '../../fixtures/busybox.js';

/** The bundled runtime under test. */
export const RUNTIME = join(packageRoot(), 'dist', 'berth-runtime');
/** The checker copied into every test rootfs as /bin/testinit. */
export const TESTINIT = join(packageRoot(), 'native', 'build', 'testinit');

/** Whether this process may run containers; integration tests skip loudly otherwise. */
export const skipUnlessRoot = process.getuid?.() === 0 ? false : 'needs root (runs real containers)';

/** What a finished command printed and how it exited. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment of runtime invocations: as a user's, without this machine's CA bundle (slow starts). */
export function runtimeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Runs a program to completion, feeding `input` on stdin. */
export function exec(
  file: string,
  args: string[],
  opts: { input?: string; stdio?: StdioOptions; timeoutMs?: number; cwd?: string } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: runtimeEnv(), stdio: opts.stdio ?? 'pipe', cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr });
    });
    // The program may exit before it reads its stdin: an EPIPE then is not the test's failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/** One test's runtime: a private --root, and cleanup of every container left in it. */
export class TestRuntime {
  readonly root = mkdtempSync(join(tmpdir(), 'berth-rt-root-'));

  /** Runs `berth-runtime --root <root> ...args`. */
  run(
    args: string[],
    opts: { input?: string; stdio?: StdioOptions; timeoutMs?: number } = {},
  ): Promise<Result> {
    return exec(RUNTIME, ['--root', this.root, ...args], opts);
  }

  /**
   * Runs a command whose container outlives it (create, run -d): the container inherits stdio, so output
   * goes through files and the result is taken at exit rather than when every pipe closes.
   */
  runDetached(args: string[]): Promise<Result> {
    const dir = mkdtempSync(join(tmpdir(), 'berth-out-'));
    const out = openSync(join(dir, 'out'), 'w+');
    const err = openSync(join(dir, 'err'), 'w+');
    return new Promise((resolve, reject) => {
      const child = spawn(RUNTIME, ['--root', this.root, ...args], {
        env: runtimeEnv(),
        stdio: ['ignore', out, err],
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        closeSync(out);
        closeSync(err);
        const result = {
          code: code ?? 1,
          stdout: readFileSync(join(dir, 'out'), 'utf8'),
          stderr: readFileSync(join(dir, 'err'), 'utf8'),
        };
        rmSync(dir, { recursive: true, force: true });
        resolve(result);
      });
    });
  }

  /** Parsed `state <id>`. */
  async state(id: string): Promise<{ status: string; pid: number; bundle: string; id: string }> {
    const r = await this.run(['state', id]);
    if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
    return JSON.parse(r.stdout) as { status: string; pid: number; bundle: string; id: string };
  }

  /** Force-deletes whatever containers remain, then removes the root. */
  async cleanup(): Promise<void> {
    const r = await this.run(['list', '-q']);
    for (const id of r.stdout.split('\n').filter(Boolean)) await this.run(['delete', '--force', id]);
    rmSync(this.root, { recursive: true, force: true });
    removeTestCgroupParent();
  }
}

let template: string | undefined;

/** A bundle: busybox rootfs with /bin/testinit, and the starter spec adapted for tests. */
export class Bundle {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-bundle-'));
  readonly rootfs = join(this.dir, 'rootfs');
  readonly spec: Spec;

  private constructor() {
    this.spec = defaultSpec();
    this.spec.process!.terminal = false;
    this.spec.process!.args = ['/bin/testinit', 'ids'];
    this.spec.root!.readonly = false;
  }

  /** Makes a bundle whose process runs `args`. */
  static async create(args?: string[]): Promise<Bundle> {
    const b = new Bundle();
    template ??= await makeTemplate();
    const { execFileSync } = await import('node:child_process');
    execFileSync('cp', ['-a', template, b.rootfs]);
    if (args) b.spec.process!.args = args;
    return b;
  }

  /** Writes config.json from `spec`. */
  write(): this {
    writeFileSync(join(this.dir, 'config.json'), JSON.stringify(this.spec, null, 2));
    return this;
  }

  /** Removes the bundle. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function makeTemplate(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'berth-rootfs-')), 'rootfs');
  await makeBusyboxRootfs(dir);
  copyFileSync(TESTINIT, join(dir, 'bin', 'testinit'));
  chmodSync(join(dir, 'bin', 'testinit'), 0o755);
  process.on('exit', () => rmSync(join(dir, '..'), { recursive: true, force: true }));
  return dir;
}

/** Whether any path is left under a cgroup hierarchy for `rel` (e.g. `/berth-test/c1`). */
export function cgroupLeft(rel: string): string | undefined {
  for (const ctrl of ['memory', 'cpu', 'pids', 'devices', 'freezer', 'systemd', 'unified']) {
    const p = join('/sys/fs/cgroup', ctrl, rel);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Tests put containers under `/berth-test/<id>`; the runtime (like runc) leaves that parent behind. */
export const TEST_CGROUP_PARENT = 'berth-test';

/** Removes the tests' cgroup parent from every hierarchy where it is empty. */
export function removeTestCgroupParent(): void {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', hierarchy, TEST_CGROUP_PARENT));
    } catch {
      // absent, or still holding another test's container
    }
  }
}

/** The cgroup path of `pid` in each hierarchy, in /proc/<pid>/cgroup order. */
export function cgroupsOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1));
}

/** A unique container id for a test. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
