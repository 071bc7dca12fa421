// A private dockerd (Debian's docker.io) for e2e tests, with OCI runtimes added by path
// (`--add-runtime name=path`, which dockerd hands to containerd-shim-runc-v2 as its runc binary).
// Everything it owns lives in one temp dir: daemon.json, --data-root, --exec-root (its managed containerd
// too), --pidfile and the API socket; no bridge, no iptables. What it still puts outside (found by
// running it: containerd's shim sockets in /run/containerd/s, the /docker cgroups) is removed by stop()
// when it was not there before. dockerd is stopped by its pid; leftovers only if they name our dir.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBusyboxImage } from '../fixtures/image.js';
import {
  type CommandOptions,
  type CommandResult,
  mountsUnder,
  pidsMatching,
  runCommand,
  unmountUnder,
} from './engines.js';

/** A private dockerd from startDockerd. */
export interface Dockerd {
  /** Temp dir holding everything of this dockerd; removed by stop(). */
  dir: string;
  /** dockerd's pid. */
  pid: number;
  /** Runs the docker CLI against this daemon (DOCKER_HOST and a private DOCKER_CONFIG). */
  docker(args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Loads the busybox test image; returns its reference. */
  loadBusybox(): Promise<string>;
  /** Removes every container, stops dockerd by pid, and removes what it left behind. */
  stop(): Promise<void>;
}

/** Whether dockerd and the docker CLI are installed. */
export function dockerSkipReason(): string | undefined {
  for (const bin of ['dockerd', 'docker'])
    if (!process.env.PATH?.split(':').some((d) => existsSync(join(d, bin)))) return `${bin} is not installed`;
  if (process.getuid?.() !== 0) return 'needs root';
  return undefined;
}

const cgroupDirs = (rel: string): string[] => {
  try {
    return readdirSync('/sys/fs/cgroup')
      .map((h) => join('/sys/fs/cgroup', h, rel))
      .filter((d) => existsSync(d));
  } catch {
    return [];
  }
};

/** Starts dockerd with `runtimes` (name → binary path) and waits until its API answers. */
export async function startDockerd(runtimes: Record<string, string>): Promise<Dockerd> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const config = join(dir, 'daemon.json');
  await writeFile(config, '{}\n'); // never /etc/docker/daemon.json
  await mkdir(join(dir, 'cli'));
  const runDirs = ['/run/containerd/s', '/run/containerd'].filter((d) => !existsSync(d));
  const dockerCgroupBefore = new Set(cgroupDirs('docker'));
  const args = [
    '--config-file',
    config,
    '--data-root',
    join(dir, 'data'),
    '--exec-root',
    join(dir, 'exec'),
    '--pidfile',
    join(dir, 'docker.pid'),
    '-H',
    `unix://${socket}`,
    '--bridge',
    'none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    '--userland-proxy=false',
    ...Object.entries(runtimes).flatMap(([name, path]) => ['--add-runtime', `${name}=${path}`]),
  ];
  const log = join(dir, 'dockerd.log');
  const logFd = openSync(log, 'a');
  const child = spawn('dockerd', args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => (exited = true));
  const pid = child.pid!;
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'cli') };
  const docker = (a: readonly string[], o: CommandOptions = {}): Promise<CommandResult> =>
    runCommand('docker', a, { ...o, env: { ...env, ...o.env } });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      const ids = (await docker(['ps', '-aq'], { timeoutMs: 10_000 })).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', ...ids], { timeoutMs: 30_000 });
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 500 && !exited; i++) await sleep(20);
      if (!exited) process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 100 && !exited; i++) await sleep(20);
    }
    for (const p of pidsMatching(dir)) process.kill(p, 'SIGKILL'); // its containerd and shims only
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
    for (const d of runDirs) await rmdir(d).catch(() => {});
    for (const d of cgroupDirs('docker').filter((x) => !dockerCgroupBefore.has(x)))
      await rmdir(d).catch(() => {});
  };

  for (let i = 0; ; i++) {
    if (exited) {
      const text = await readFile(log, 'utf8').catch(() => '');
      await stop();
      throw new Error(`start dockerd: exited early: ${text.slice(-2000)}`);
    }
    if (existsSync(socket) && (await docker(['version'])).code === 0) break;
    if (i > 600) {
      await stop();
      throw new Error(`start dockerd: no API on "${socket}" after 30s`);
    }
    await sleep(50);
  }

  const loadBusybox = async (): Promise<string> => {
    const img = await buildBusyboxImage(join(dir, 'busybox-image'));
    const r = await docker(['load', '--input', img.dockerArchive]);
    if (r.code !== 0) throw new Error(`docker load: ${r.stderr.trim()}`);
    return 'busybox:latest';
  };
  return { dir, pid, docker, loadBusybox, stop };
}

export { mountsUnder };
