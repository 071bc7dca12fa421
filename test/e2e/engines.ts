// Test helpers that run other people's container engines privately, so e2e tests can have them drive
// an OCI runtime binary (berth-runtime, runc):
//   containerd + ctr   `ctr run --runc-binary <runtime>` (containerd-shim-runc-v2 execs the runtime)
//   podman + conmon    `podman --runtime <runtime> run` (conmon execs the runtime)
// Each engine gets its own temp dir for config, storage and state; nothing of the machine's defaults
// (/var/lib/containerd, /etc/containers, /var/lib/containers, /run/libpod) is read or written.
// What the engines still put outside that dir (found by tracing them, see docs/engines.md) is removed by
// stop()/cleanup(): containerd's shim sockets in /run/containerd/s, podman's /run/containers/networks,
// the runtime's default root under podman (/run/<runtime name>, if we created it), and the cgroups.
// Processes are stopped by pid, and only those whose command line names our private paths.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BusyboxImage, buildBusyboxImage } from '../fixtures/image.js';

/** Outcome of one command: exit code (128+n when killed by signal n, as shells report it) and output. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for runCommand and the engine wrappers. */
export interface CommandOptions {
  /** Environment additions (merged over process.env). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed (unless tty is set). */
  input?: string;
  /** Run under a pseudo-terminal (util-linux `script`), for `-t`; output then has \r\n line ends. */
  tty?: boolean;
  /** Kill the command (SIGKILL, by pid) after this many ms; default 60 000. */
  timeoutMs?: number;
  /** Working directory. */
  cwd?: string;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\-.,:/=@%+]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Runs a program to completion and collects its exit code and output; never rejects on non-zero exit. */
export function runCommand(
  file: string,
  args: readonly string[],
  opts: CommandOptions = {},
): Promise<CommandResult> {
  // `script -qec CMD /dev/null` gives CMD a new pty as its controlling terminal and returns its exit
  // code; its stdin stays an open pipe until the command ends, so no EOF is forwarded into the pty.
  const [cmd, argv] = opts.tty
    ? ['script', ['-qec', [file, ...args].map(shellQuote).join(' '), '/dev/null']]
    : [file, [...args]];
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, argv, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout can kill the command and its children
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.stdin?.on('error', () => {}); // the command may exit before reading its input
    if (opts.input !== undefined) child.stdin?.write(opts.input);
    if (!opts.tty) child.stdin?.end();
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killPid(-child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`run "${file}": ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin?.destroy();
      resolve({
        code: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Full path of `name` found on $PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

/** Why e2e engine tests cannot run here (not root, missing binaries), or undefined if they can. */
export function engineSkipReason(engine: 'containerd' | 'podman'): string | undefined {
  if (process.getuid?.() !== 0) return `e2e ${engine} tests need root (uid is ${process.getuid?.()})`;
  const bins =
    engine === 'containerd' ? ['containerd', 'ctr', 'containerd-shim-runc-v2'] : ['podman', 'conmon'];
  for (const b of [...bins, 'script', 'umount', 'unshare'])
    if (which(b) === undefined) return `"${b}" not found on PATH`;
  return undefined;
}

/** A unique, short token for ids and namespaces of this test process. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

// ---------------------------------------------------------------------------------------------------
// Cleanup primitives: mounts, processes, cgroups.

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo, octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  const found: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === dir || mp.startsWith(`${dir}/`)) found.push(mp);
  }
  return found.reverse(); // later mounts stack on earlier ones; undo them in reverse order
}

/** Unmounts everything at or below `dir` (plain umount, then lazy detach if busy). */
export async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) return;
    for (const mp of mps) {
      const r = await runCommand('umount', [mp]);
      if (r.code !== 0) await runCommand('umount', ['-l', mp]);
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`unmount under "${dir}": still mounted: ${left.join(', ')}`);
}

/** Pids of live processes whose command line contains `needle` (one of our private paths). */
export function pidsMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Sends a signal to one pid, ignoring a process that is already gone. */
function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Sends SIGKILL to each pid (ignoring ones already gone) and waits briefly for them to disappear. */
export async function killPids(pids: readonly number[]): Promise<void> {
  for (const pid of pids) killPid(pid, 'SIGKILL');
  for (let i = 0; i < 50 && pids.some((p) => existsSync(`/proc/${p}`) && !isZombie(p)); i++) await sleep(20);
}

/** Whether a process is a zombie (exited, not yet reaped by its parent). */
function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Cgroup v1 hierarchies and the v2 mount under /sys/fs/cgroup (e.g. memory, pids, systemd, unified). */
function cgroupHierarchies(): string[] {
  try {
    return readdirSync('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d));
  } catch {
    return [];
  }
}

/** Which hierarchies currently hold a cgroup named `rel` (e.g. "libpod_parent"). */
function cgroupsPresent(rel: string): Set<string> {
  return new Set(cgroupHierarchies().filter((h) => existsSync(join(h, rel))));
}

/**
 * Removes `<hierarchy>/<rel>` wherever it is empty: the default parent (`berth`) that every berthd of a run
 * shares and leaves, as dockerd leaves /docker. rmdir refuses one that still holds a container.
 */
export async function removeEmptyCgroup(rel: string): Promise<void> {
  for (const h of cgroupHierarchies()) await rmdir(join(h, rel)).catch(() => {});
}

/** Removes the cgroup `rel` and its empty descendants in every hierarchy, deepest first. */
export async function removeCgroupTree(rel: string, only?: Set<string>): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) await walk(join(dir, e));
    await rmdir(dir).catch(() => {}); // EBUSY if it still has processes or children: leave it
  };
  for (const h of cgroupHierarchies()) {
    if (only !== undefined && !only.has(h)) continue;
    await walk(join(h, rel));
  }
}

/** rmdir each directory in order if it exists and is empty (never removes content). */
export async function rmdirIfEmpty(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) await rmdir(d).catch(() => {});
}

// ---------------------------------------------------------------------------------------------------
// containerd

/** Options for startContainerd. */
export interface ContainerdOptions {
  /** Runtime binary for `ctr run --runc-binary`. */
  runtime: string;
  /** containerd namespace used by ctr(); default a unique "berth-e2e-<pid>-<rand>". */
  namespace?: string;
  /** Start containerd with level=debug logging (the log is in <dir>/containerd.log). */
  debug?: boolean;
}

/** A private containerd started by startContainerd. */
export interface Containerd {
  /** Discriminant for importBusybox. */
  kind: 'containerd';
  /** Temp dir holding config.toml, root, state, logs; removed by stop(). */
  dir: string;
  /** containerd --root (content, snapshots, metadata). */
  root: string;
  /** containerd --state (task bundles, fifos); bundles are <state>/io.containerd.runtime.v2.task/<ns>/<id>. */
  state: string;
  /** Path of containerd's gRPC unix socket. */
  socket: string;
  /** What `ctr --address` takes: the same socket path. */
  address: string;
  /** containerd namespace of this instance's containers (also the cgroup parent: /<ns>/<id>). */
  namespace: string;
  /** Runtime binary that runtimeArgs selects. */
  runtime: string;
  /** `ctr run` flags that select the runtime under test, a private runtime --root and fifo dir. */
  runtimeArgs: string[];
  /** Directory for ctr's stdio fifos (pass as --fifo-dir to `ctr task exec`/`task start`). */
  fifoDir: string;
  /** pid of containerd. */
  pid: number;
  /** Runs `ctr --address <socket> -n <namespace> ...args`. */
  ctr(args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Stops every task, then containerd, kills leftover shims, unmounts, removes cgroups and the dir. */
  stop(): Promise<void>;
}

/**
 * containerd 1.6 config: private paths, unneeded snapshotters and plugins disabled, and the CRI plugin
 * too unless `cri` gives the lines of its section (bench/cri.ts).
 */
export function containerdConfig(
  root: string,
  state: string,
  socket: string,
  opts: { debug?: boolean; cri?: string[] } = {},
): string {
  // io.containerd.runtime.v1.linux must stay: containerd 1.6's tasks service refuses to load without it.
  const disabled = [
    ...(opts.cri ? [] : ['io.containerd.grpc.v1.cri', 'io.containerd.internal.v1.opt']),
    'io.containerd.internal.v1.tracing',
    'io.containerd.tracing.processor.v1.otlp',
    'io.containerd.snapshotter.v1.aufs',
    'io.containerd.snapshotter.v1.btrfs',
    'io.containerd.snapshotter.v1.devmapper',
    'io.containerd.snapshotter.v1.zfs',
  ];
  return [
    'version = 2',
    `root = ${JSON.stringify(root)}`,
    `state = ${JSON.stringify(state)}`,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    `  level = ${JSON.stringify(opts.debug ? 'debug' : 'info')}`,
    '[metrics]',
    '  address = ""',
    ...(opts.cri ?? []),
    '',
  ].join('\n');
}

/** Starts a private containerd (own config.toml, --root/--state/socket, namespace) and waits until it serves. */
export async function startContainerd(opts: ContainerdOptions): Promise<Containerd> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ctd-'));
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const socket = join(dir, 'containerd.sock');
  const fifoDir = join(dir, 'fifo');
  const runcRoot = join(dir, 'runtime-root');
  const namespace = opts.namespace ?? uniqueId('berth-e2e');
  const runtime = opts.runtime;
  await Promise.all([mkdir(root), mkdir(state), mkdir(fifoDir), mkdir(runcRoot)]);
  const configPath = join(dir, 'config.toml');
  await writeFile(configPath, containerdConfig(root, state, socket, { debug: opts.debug ?? false }));

  // The shim puts its ttrpc socket in /run/containerd/s whatever --state says; remember what was there.
  const runDirs = ['/run/containerd/s', '/run/containerd'].filter((d) => !existsSync(d));

  const logPath = join(dir, 'containerd.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn('containerd', ['--config', configPath], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  if (child.pid === undefined) throw new Error('start containerd: no pid (is containerd installed?)');
  const pid = child.pid;

  const ctr = (args: readonly string[], o?: CommandOptions): Promise<CommandResult> =>
    runCommand('ctr', ['--address', socket, '-n', namespace, ...args], o);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      // Tasks first: their shims outlive containerd otherwise.
      const tasks = await ctr(['task', 'ls', '-q'], { timeoutMs: 10_000 });
      for (const id of tasks.stdout.split('\n').filter((s) => s !== '')) {
        await ctr(['task', 'delete', '--force', id], { timeoutMs: 10_000 });
      }
      const ctrs = await ctr(['container', 'ls', '-q'], { timeoutMs: 10_000 });
      for (const id of ctrs.stdout.split('\n').filter((s) => s !== '')) {
        await ctr(['container', 'rm', id], { timeoutMs: 10_000 });
      }
      killPid(pid, 'SIGTERM');
      for (let i = 0; i < 250 && !exited; i++) await sleep(20);
      if (!exited) killPid(pid, 'SIGKILL');
      for (let i = 0; i < 100 && !exited; i++) await sleep(20);
    }
    await killPids(pidsMatching(`-address ${socket} `)); // shims of our containerd only
    await unmountUnder(dir);
    await removeCgroupTree(namespace);
    await rm(dir, { recursive: true, force: true });
    await rmdirIfEmpty(runDirs);
  };

  for (let i = 0; ; i++) {
    if (exited) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await stop();
      throw new Error(`start containerd: exited early: ${log.slice(-2000)}`);
    }
    if (existsSync(socket) && (await runCommand('ctr', ['--address', socket, 'version'])).code === 0) break;
    if (i > 200) {
      await stop();
      throw new Error(`start containerd: not serving on "${socket}" after 10s`);
    }
    await sleep(50);
  }

  return {
    kind: 'containerd',
    dir,
    root,
    state,
    socket,
    address: socket,
    namespace,
    runtime,
    runtimeArgs: ['--runc-binary', runtime, '--runc-root', runcRoot, '--fifo-dir', fifoDir],
    fifoDir,
    pid,
    ctr,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------------
// podman

/** Options for startPodman. */
export interface PodmanOptions {
  /** Runtime binary passed as `podman --runtime`. */
  runtime: string;
  /** Storage driver: overlay (default) or vfs. */
  storageDriver?: 'overlay' | 'vfs';
}

/** A podman invocation wrapper over private storage and config, from startPodman. */
export interface Podman {
  /** Discriminant for importBusybox. */
  kind: 'podman';
  /** Temp dir holding configs, graphroot, runroot, tmpdir; removed by cleanup(). */
  dir: string;
  /** Storage graphroot (--root). */
  root: string;
  /** Storage runroot (--runroot). */
  runroot: string;
  /** libpod tmp dir (--tmpdir): locks, exit files. */
  tmpdir: string;
  /** Runtime binary given as --runtime. */
  runtime: string;
  /** Environment that points podman at the private config files. */
  env: Record<string, string>;
  /** Global flags put before every podman command. */
  globalArgs: string[];
  /** Runs `podman <globalArgs> ...args` with the private environment. */
  podman(args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Like podman(), in a private mount namespace with an empty tmpfs over /var/lib (for load/pull/save). */
  podmanCopy(args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Removes all containers and storage (system reset), leftover conmons and mounts, and the dir. */
  cleanup(): Promise<void>;
}

/** Hard limit of a resource from /proc/self/limits (e.g. "Max processes"), or undefined if unlimited. */
function hardLimit(name: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(26).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
}

/** containers.conf for a private podman: no host network changes, file events, cgroupfs, safe ulimits. */
function containersConf(dir: string, runtime: string): string {
  // podman 4.3 sets RLIMIT_NOFILE and RLIMIT_NPROC to 1048576 in every container unless containers.conf
  // says otherwise; without CAP_SYS_RESOURCE the runtime then fails ("error setting rlimit type 6").
  // podman itself runs with nproc 32768 here, so never ask for more than that.
  const nofile = Math.min(1024, hardLimit('Max open files') ?? 1024);
  const nproc = Math.min(32768, hardLimit('Max processes') ?? 32768);
  const name = basename(runtime);
  // podman only passes `--log <file> --log-format=json` to runtimes whose *name* is listed here.
  const supportsJson = [...new Set([name, 'crun', 'runc', 'kata', 'runsc', 'youki', 'krun'])];
  const q = JSON.stringify;
  return [
    '[containers]',
    `default_ulimits = ${q([`nofile=${nofile}:${nofile}`, `nproc=${nproc}:${nproc}`])}`,
    'log_driver = "k8s-file"',
    'netns = "none"',
    '',
    '[network]',
    'network_backend = "netavark"',
    `network_config_dir = ${q(join(dir, 'networks'))}`,
    '',
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = ${q(join(dir, 'events.log'))}`,
    `hooks_dir = ${q([join(dir, 'hooks.d')])}`,
    `image_copy_tmp_dir = ${q(join(dir, 'image-tmp'))}`,
    'lock_type = "file"',
    `runtime = ${q(name)}`,
    `runtime_supports_json = ${q(supportsJson)}`,
    `static_dir = ${q(join(dir, 'root', 'libpod'))}`,
    `tmp_dir = ${q(join(dir, 'tmp'))}`,
    `volume_path = ${q(join(dir, 'volumes'))}`,
    '',
    '[engine.runtimes]',
    `${q(name)} = ${q([runtime])}`,
    '',
  ].join('\n');
}

/** Prepares a private podman (containers.conf, storage.conf, registries.conf in a temp dir). */
export async function startPodman(opts: PodmanOptions): Promise<Podman> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-podman-'));
  const runtime = opts.runtime;
  const driver = opts.storageDriver ?? 'overlay';
  const root = join(dir, 'root');
  const runroot = join(dir, 'runroot');
  const tmp = join(dir, 'tmp');
  for (const d of [
    root,
    runroot,
    tmp,
    ...['networks', 'hooks.d', 'image-tmp', 'volumes'].map((n) => join(dir, n)),
  ]) {
    await mkdir(d, { recursive: true });
  }
  const conf = join(dir, 'containers.conf');
  const storageConf = join(dir, 'storage.conf');
  const registriesConf = join(dir, 'registries.conf');
  await writeFile(conf, containersConf(dir, runtime));
  await writeFile(
    storageConf,
    `[storage]\ndriver = ${JSON.stringify(driver)}\ngraphroot = ${JSON.stringify(root)}\nrunroot = ${JSON.stringify(runroot)}\n`,
  );
  await writeFile(registriesConf, 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n');

  // Outside the private dir podman (netavark) creates /run/containers/networks, and cgroupfs containers
  // go under /libpod_parent; remove those afterwards only if they were not there before.
  // podman passes the runtime no --root, so the runtime keeps its state in its default root, which is
  // /run/<name> for runc, crun and berth-runtime. `--runtime-flag root=...` cannot be used instead:
  // podman 4.3 drops runtime flags from conmon's exit command, so `podman container cleanup` would call
  // `delete --force` in the default root anyway.
  const runDirs = ['/run/containers/networks', '/run/containers', `/run/${basename(runtime)}`].filter(
    (d) => !existsSync(d),
  );
  const libpodParentBefore = cgroupsPresent('libpod_parent');

  const env = {
    CONTAINERS_CONF: conf,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
  };
  const globalArgs = [
    '--root',
    root,
    '--runroot',
    runroot,
    '--storage-driver',
    driver,
    '--tmpdir',
    tmp,
    '--runtime',
    runtime,
  ];
  const podman = (args: readonly string[], o: CommandOptions = {}): Promise<CommandResult> =>
    runCommand('podman', [...globalArgs, ...args], { ...o, env: { ...env, ...o.env } });

  // Image copies (load, pull, save) make c/image write its blob-info cache to
  // /var/lib/containers/cache/blob-info-cache-v1.boltdb when run as root, whatever graphroot says (podman
  // 4.3 does not set SystemContext.BlobInfoCacheDir). Copies leave no mounts behind, so they can run in a
  // private mount namespace where /var/lib is an empty tmpfs that disappears with the command.
  const podmanCopy = (args: readonly string[], o: CommandOptions = {}): Promise<CommandResult> =>
    runCommand(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs -o mode=0755 berth-e2e /var/lib && exec "$@"',
        'sh',
        'podman',
        ...globalArgs,
        ...args,
      ],
      { ...o, env: { ...env, ...o.env } },
    );

  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await podman(['rm', '--all', '--force', '--time', '0'], { timeoutMs: 30_000 });
    await podman(['system', 'reset', '--force'], { timeoutMs: 30_000 });
    await killPids(pidsMatching(dir)); // conmon and `podman container cleanup` of our containers only
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
    await rmdirIfEmpty(runDirs);
    const created = new Set([...cgroupsPresent('libpod_parent')].filter((h) => !libpodParentBefore.has(h)));
    await removeCgroupTree('libpod_parent', created);
  };

  return {
    kind: 'podman',
    dir,
    root,
    runroot,
    tmpdir: tmp,
    runtime,
    env,
    globalArgs,
    podman,
    podmanCopy,
    cleanup,
  };
}

// ---------------------------------------------------------------------------------------------------
// The busybox test image

/** Builds the busybox test image (in the engine's dir unless given) and imports it; returns its reference. */
export async function importBusybox(engine: Containerd | Podman, image?: BusyboxImage): Promise<string> {
  const img = image ?? (await buildBusyboxImage(join(engine.dir, 'busybox-image')));
  // Both engines name the image from the OCI index annotations (see fixtures/image.ts).
  const r =
    engine.kind === 'containerd'
      ? await engine.ctr(['image', 'import', img.ociArchive])
      : await engine.podmanCopy(['load', '--input', img.ociArchive]);
  if (r.code !== 0)
    throw new Error(`import busybox into ${engine.kind}: ${r.stderr.trim() || r.stdout.trim()}`);
  return img.ref;
}
