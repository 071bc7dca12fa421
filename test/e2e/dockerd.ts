// A private dockerd (Debian's docker.io 20.10) for e2e tests that have the docker CLI drive an OCI runtime
// binary through `--add-runtime <name>=<path>` (dockerd → its own containerd → containerd-shim-runc-v2 →
// the runtime, with the runc command-line protocol).
//
// Everything lives in one temp dir: --data-root, --exec-root (dockerd starts its own containerd there),
// --pidfile, the API socket, an empty daemon.json, the trust key, the CLI's config. Nothing of the
// machine's defaults (/var/lib/docker, /run/docker, /etc/docker, ~/.docker) is read or written, and
// dockerd leaves the host's network alone: no bridge, no iptables, no ip_forward, no userland proxy.
// Containers go under a cgroup parent of their own. What dockerd still leaves behind after exit (its
// data-root bind-mounted, overlay and shm mounts, shims, the cgroup parent, containerd's shim socket dir
// in /run/containerd) is removed by stop().
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBusyboxImage } from '../fixtures/image.js';
import {
  type CommandOptions,
  type CommandResult,
  killPids,
  pidsMatching,
  removeCgroupTree,
  rmdirIfEmpty,
  runCommand,
  uniqueId,
  unmountUnder,
  which,
} from './engines.js';

/** A private dockerd from startDockerd. */
export interface Dockerd {
  /** Temp dir holding everything of this dockerd; removed by stop(). */
  dir: string;
  /** The API socket (unix). */
  socket: string;
  /** pid of dockerd. */
  pid: number;
  /** Cgroup parent of its containers (`--cgroup-parent`), the same in every hierarchy. */
  cgroupParent: string;
  /** Runs the docker CLI against this dockerd, with a private CLI config. */
  docker(args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Removes every container, stops dockerd (by pid), its containerd and shims; unmounts; removes the dir. */
  stop(): Promise<void>;
}

/** Why dockerd e2e tests cannot run here, or undefined if they can. */
export function dockerdSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return `e2e dockerd tests need root (uid is ${process.getuid?.()})`;
  for (const b of ['dockerd', 'docker', 'containerd', 'containerd-shim-runc-v2', 'script', 'umount'])
    if (which(b) === undefined) return `"${b}" not found on PATH (Debian package docker.io)`;
  return undefined;
}

/**
 * Starts a private dockerd that knows `runtimes` (name → path) besides its default runc. `bridge` names a
 * bridge device the caller made (with its address) for dockerd's default network; none otherwise. Even
 * then dockerd leaves iptables and ip_forward alone.
 */
export async function startDockerd(
  runtimes: Record<string, string>,
  opts: { bridge?: string } = {},
): Promise<Dockerd> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-dockerd-'));
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'exec');
  const cliConfig = join(dir, 'cli');
  const socket = join(dir, 'docker.sock');
  const configFile = join(dir, 'daemon.json');
  const cgroupParent = uniqueId('berth-dockerd');
  await Promise.all([mkdir(dataRoot), mkdir(execRoot), mkdir(cliConfig)]);
  // Not /etc/docker/daemon.json; and the trust key of 20.10 (libtrust) goes here, not /etc/docker/key.json.
  await writeFile(configFile, JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') }));
  // containerd 1.6 puts shim sockets in /run/containerd/s whatever its state dir is.
  const runDirs = ['/run/containerd/s', '/run/containerd'].filter((d) => !existsSync(d));

  const args = [
    `--data-root=${dataRoot}`,
    `--exec-root=${execRoot}`,
    `--pidfile=${join(dir, 'docker.pid')}`,
    `--host=unix://${socket}`,
    `--config-file=${configFile}`,
    '--storage-driver=overlay2',
    '--exec-opt=native.cgroupdriver=cgroupfs',
    `--cgroup-parent=/${cgroupParent}`,
    `--bridge=${opts.bridge ?? 'none'}`,
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false', // else dockerd sets net.ipv4.ip_forward=1 for the whole machine
    '--ip-masq=false',
    '--userland-proxy=false',
    '--log-level=info',
    ...Object.entries(runtimes).map(([name, path]) => `--add-runtime=${name}=${path}`),
  ];
  const logFd = openSync(join(dir, 'dockerd.log'), 'a');
  const child: ChildProcess = spawn('dockerd', args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => (exited = true));
  if (child.pid === undefined) throw new Error('start dockerd: no pid (is docker.io installed?)');
  const pid = child.pid;

  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: cliConfig };
  const docker = (a: readonly string[], o: CommandOptions = {}): Promise<CommandResult> =>
    runCommand('docker', a, { ...o, env: { ...env, ...o.env } });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      // Containers first, so that their shims and mounts go with them.
      const ids = (await docker(['ps', '-aq'], { timeoutMs: 20_000 })).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
      child.kill('SIGTERM');
      for (let i = 0; i < 750 && !exited; i++) await sleep(20);
      if (!exited) child.kill('SIGKILL');
      for (let i = 0; i < 100 && !exited; i++) await sleep(20);
    }
    await killPids(pidsMatching(dir)); // its containerd and shims: their command lines name our dir
    await unmountUnder(dir);
    await removeCgroupTree(cgroupParent);
    await rm(dir, { recursive: true, force: true });
    await rmdirIfEmpty(runDirs);
  };

  for (let i = 0; ; i++) {
    if (exited || i > 600) {
      const log = await readFile(join(dir, 'dockerd.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(`start dockerd: ${exited ? 'exited' : 'not serving after 30 s'}: ${log.slice(-3000)}`);
    }
    if (existsSync(socket) && (await docker(['version'], { timeoutMs: 10_000 })).code === 0) break;
    await sleep(50);
  }
  return { dir, socket, pid, cgroupParent, docker, stop };
}

/** Builds the busybox test image, `docker load`s it and returns the name to run it by. */
export async function loadBusybox(d: Dockerd): Promise<string> {
  const img = await buildBusyboxImage(join(d.dir, 'busybox-image'));
  const r = await d.docker(['load', '--input', img.dockerArchive]);
  if (r.code !== 0) throw new Error(`docker load: ${r.stderr.trim() || r.stdout.trim()}`);
  return 'busybox:latest';
}
