// berthd's life: claim the pid file, make the state directories, build the services (wiring.ts), listen
// on each host, and undo all of it on stop. Containers never depend on this process (DESIGN.md): stopping
// berthd closes its sockets and leaves the shims and their containers running.
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { atomicWriteFileSync } from '../base/atomic-write.js';
import { BerthError, wrap } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { createApiServer } from '../dockerapi/server.js';
import { parseHost, type DaemonConfig, type ListenAddress } from './config.js';
import { wire } from './wiring.js';

/** A running daemon. */
export interface Daemon {
  config: DaemonConfig;
  /** The addresses it listens on. */
  listening: ListenAddress[];
  /** Closes the API sockets and releases the pid file; containers keep running. */
  stop(): Promise<void>;
}

/** Starts berthd with `config`; throws, leaving nothing behind, when it cannot. */
export async function startDaemon(config: DaemonConfig, version: string, log: Logger): Promise<Daemon> {
  mkdirSync(config.root, { recursive: true, mode: 0o711 });
  mkdirSync(config.state, { recursive: true, mode: 0o700 });
  claimPidFile(config.pidfile);
  const servers: Server[] = [];
  const sockets: string[] = [];
  let release: (() => Promise<void>) | undefined;
  try {
    const id = daemonId(config.root);
    const { router, identity, close } = await wire(config, { version, id, log });
    release = close;
    const listening: ListenAddress[] = [];
    for (const host of config.hosts) {
      const addr = parseHost(host);
      const server = createApiServer(router, identity, log);
      servers.push(server);
      if (addr.kind === 'unix') {
        await removeStaleSocket(addr.path);
        mkdirSync(dirname(addr.path), { recursive: true, mode: 0o755 });
        await listen(server, addr.path);
        sockets.push(addr.path);
        // DESIGN.md: API sockets are 0660 and root-owned; group access is for an admin group if any.
        chmodSync(addr.path, 0o660);
        chownSync(addr.path, 0, 0);
      } else {
        log.warn('listening on TCP without TLS: anyone who can reach the port is root on this host', {
          host,
        });
        await listen(server, addr.port, addr.host);
      }
      listening.push(addr);
      log.info('API listen', { host });
    }
    let stopped = false;
    return {
      config,
      listening,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await Promise.all(servers.map((s) => closeServer(s)));
        for (const path of sockets) unlinkQuietly(path);
        await close();
        unlinkQuietly(config.pidfile);
        log.info('daemon stopped');
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s)));
    for (const path of sockets) unlinkQuietly(path);
    await release?.().catch(() => undefined);
    unlinkQuietly(config.pidfile);
    throw err;
  }
}

/** Writes our pid, refusing when the file names a live berthd (two daemons on one root corrupt it). */
function claimPidFile(path: string): void {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (pid > 0 && pid !== process.pid && isBerthd(pid))
      throw new BerthError(
        'FailedPrecondition',
        `pid file "${path}" names a running berthd (pid ${pid}): is another daemon using this configuration?`,
      );
  } catch (err) {
    if (err instanceof BerthError) throw err;
    // absent or unreadable: ours to write
  }
  mkdirSync(dirname(path), { recursive: true });
  atomicWriteFileSync(path, `${process.pid}\n`, 0o644, false);
}

function isBerthd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('berthd');
  } catch {
    return false;
  }
}

/** The daemon's ID: made once, kept under the data root (as dockerd's engine-id). */
function daemonId(root: string): string {
  const path = join(root, 'engine-id');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const id = randomUUID();
  atomicWriteFileSync(path, id + '\n', 0o600, true);
  return id;
}

/** A socket file left by a daemon that died is removed; one that answers means a daemon is running. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive)
    throw new BerthError('FailedPrecondition', `"${path}" is in use by another daemon: stop it first`);
  unlinkQuietly(path);
}

function listen(server: Server, ...where: [string] | [number, string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(wrap(err, `listen on "${where.join(':')}"`)));
    if (where.length === 1) server.listen(where[0], () => resolve());
    else server.listen(where[0], where[1], () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
