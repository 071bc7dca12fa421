// Runs containers through the real shim manager and berth-shim, with each way of creating them (built-in
// berth-init, berth-runtime, runc, crun), each test with a private shim root and runtime roots under one
// temp dir. Bundles are a config.json each, sharing one busybox rootfs. cleanup() force-deletes every
// shim left (which kills its container by its shim), then removes the dirs and the test cgroup parent.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShimManager, type LogOptions, type ShimRuntime } from '../../../src/daemon/shim-client/index.js';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { CRUN_OCI_VERSION, mountMissingV1Hierarchies } from '../../fixtures/crun.js';
import { Bundle, removeTestCgroupParent, RUNTIME, runtimeEnv, uniqueId } from '../runtime/harness.js';

/** One way of creating containers, and why it cannot run here (or false). */
export interface RuntimeCase {
  name: string;
  skip: string | false;
  /** Why it cannot exec a process into a running container, or false. */
  noExec: string | false;
  runtime(dir: string): ShimRuntime;
}

function oci(name: string, path: string, noExec: string | false = false): RuntimeCase {
  return {
    name,
    skip: existsSync(path) ? false : `"${path}" is not installed`,
    noExec,
    runtime: (dir) => ({ kind: 'oci', path, root: join(dir, `rt-${name}`) }),
  };
}

/** Every runtime the shim is tested with. */
export const RUNTIME_CASES: RuntimeCase[] = [
  {
    name: 'built-in',
    skip: false,
    noExec: false,
    runtime: () => ({ kind: 'builtin' }),
  },
  oci('berth-runtime', RUNTIME),
  oci('runc', '/usr/sbin/runc'),
  oci('crun', '/usr/bin/crun'),
];

/** Options of ShimTest.create. */
export interface ContainerOptions {
  terminal?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  /** A log format (the file goes into the test dir), full log options, or none. */
  log?: 'cri' | 'json-file' | LogOptions;
  /** Changes to the spec after the test defaults. */
  edit?(spec: Spec): void;
}

let shared: Bundle | undefined;

/** A busybox rootfs (with /bin/testinit) shared by every bundle of this test process. */
export async function sharedRootfs(): Promise<string> {
  if (!shared) {
    shared = await Bundle.create();
    const b = shared;
    process.on('exit', () => b.remove());
  }
  return shared.rootfs;
}

/** A private manager for one runtime case. */
export class ShimTest {
  /** Short on purpose: console.sock paths under it must fit in a unix socket address. */
  readonly dir = mkdtempSync(join(tmpdir(), 'bshim-'));
  readonly manager: ShimManager;
  readonly logs = join(this.dir, 'logs');

  constructor(readonly rc: RuntimeCase = RUNTIME_CASES[0]!) {
    mkdirSync(this.logs);
    this.manager = new ShimManager({ root: join(this.dir, 's'), env: runtimeEnv() });
    if (rc.name === 'crun') mountMissingV1Hierarchies();
  }

  /** The runtime to create containers with. */
  runtime(): ShimRuntime {
    return this.rc.runtime(this.dir);
  }

  /** Writes a bundle (config.json only; root.path is the shared rootfs) for a container running `args`. */
  async bundle(id: string, args: string[], opts: ContainerOptions = {}): Promise<string> {
    const b = await sharedRootfs();
    const dir = join(this.dir, 'bundles', id);
    mkdirSync(dir, { recursive: true });
    const spec = structuredClone(shared!.spec);
    spec.ociVersion = CRUN_OCI_VERSION;
    spec.root = { path: b, readonly: true };
    spec.process!.args = args;
    spec.process!.terminal = opts.terminal === true;
    spec.linux!.cgroupsPath = `/berth-test/${id}`;
    opts.edit?.(spec);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    return dir;
  }

  /** Where the log of `id` goes. */
  logPath(id: string): string {
    return join(this.logs, `${id}.log`);
  }

  /** Creates a container running `args` (not started); returns its id. */
  async create(args: string[], opts: ContainerOptions = {}, prefix = 't'): Promise<string> {
    const id = uniqueId(prefix);
    const bundle = await this.bundle(id, args, opts);
    const log: LogOptions | undefined =
      typeof opts.log === 'string' ? { path: this.logPath(id), format: opts.log } : opts.log;
    await this.manager.create({
      id,
      bundle,
      runtime: this.runtime(),
      stdin: opts.stdin,
      stdinOnce: opts.stdinOnce,
      log,
    });
    return id;
  }

  /** Creates and starts a container; returns its id. */
  async run(args: string[], opts: ContainerOptions = {}): Promise<string> {
    const id = await this.create(args, opts);
    await this.manager.start(id);
    return id;
  }

  /** The log of `id` as text. */
  log(id: string): string {
    return readFileSync(this.logPath(id), 'utf8');
  }

  /** Force-deletes every shim left, then removes everything this test made. */
  async cleanup(): Promise<void> {
    for (const id of this.manager.list())
      await this.manager.delete(id, { force: true }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    removeTestCgroupParent();
  }
}

/** One CRI log record (specs/cri/log-format.md "Line grammar"). */
export interface CriRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  tag: string;
  content: string;
}

/** Parses a CRI log; throws on a line that does not follow the grammar. */
export function parseCri(text: string): CriRecord[] {
  const lines = text.split('\n');
  if (lines.pop() !== '')
    throw new Error(`CRI log does not end with a newline: ${JSON.stringify(text.slice(-80))}`);
  return lines.map((line) => {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
    if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
    return { time: m[1]!, stream: m[2] as 'stdout' | 'stderr', tag: m[3]!, content: m[4]! };
  });
}

/** One json-file record, as Docker writes it. */
export interface JsonRecord {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/** Parses a json-file log; throws on a line that is not exactly {"log","stream","time"}. */
export function parseJsonFile(text: string): JsonRecord[] {
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('json-file log does not end with a newline');
  return lines.map((line) => {
    const r = JSON.parse(line) as JsonRecord;
    if (Object.keys(r).join() !== 'log,stream,time' || !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(r.time))
      throw new Error(`not a json-file line: ${line}`);
    return r;
  });
}

/** Whether /proc says `pid` is a live process (not a zombie). */
export function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `cond` every 10 ms until it holds; fails naming `what` after `ms`. */
export async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}
