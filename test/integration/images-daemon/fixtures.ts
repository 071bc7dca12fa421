// What the images-daemon tests share: test images pushed to a real registry, a berthd that can be killed
// and started again on the same root (for the crash test), and checks of a stopped daemon's root with the
// stores themselves: every blob verifies, no snapshot is left half-made, and a committed layer's tree.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LayoutStore,
  RegistryClient,
  StaticCredentials,
  type Credential,
  closeConnections,
  push,
} from '../../../src/images/registry/index.js';
import { openStores } from '../../../src/metadata/index.js';
import { mountAll, unmountAll } from '../../../src/snapshots/index.js';
import type { Desc } from '../../fixtures/oci-images.js';
import { exec, runtimeEnv, type Result } from '../runtime/harness.js';
import { BERTH, BERTHD, api } from '../daemon/harness.js';

/** Pushes the image `top` of the OCI layout `layoutDir` to `ref` (a registry on loopback). */
export async function pushLayout(
  ref: string,
  layoutDir: string,
  top: Desc,
  credential?: Credential,
): Promise<void> {
  const host = ref.split('/')[0]!;
  const client = new RegistryClient({
    credentials: new StaticCredentials(credential === undefined ? {} : { [host]: credential }),
  });
  try {
    await push(
      client,
      ref,
      { mediaType: top.mediaType, digest: top.digest, size: top.size },
      { source: await LayoutStore.open(layoutDir) },
    );
  } finally {
    closeConnections();
  }
}

/** A berthd on a root that survives it: kill() with SIGKILL, start() again on the same paths. */
export interface RestartableDaemon {
  dir: string;
  root: string;
  socket: string;
  host: string;
  child?: ChildProcess;
  log(): string;
  start(): Promise<void>;
  /** SIGKILL, as a crash; the root and state stay. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  api: (method: string, path: string, body?: unknown) => ReturnType<typeof api>;
  /** The real docker CLI against this daemon, with `input` on its stdin. */
  docker(args: string[], input?: string): Promise<Result>;
  /** The berth CLI against this daemon. */
  berth(args: string[], input?: string): Promise<Result>;
  /** Stops it and removes everything. */
  remove(): Promise<void>;
}

/** Makes (but does not start) a daemon on fresh private paths. */
export function restartableDaemon(config: object = {}): RestartableDaemon {
  const dir = mkdtempSync(join(tmpdir(), 'berth-imgd-'));
  const root = join(dir, 'root');
  const state = join(dir, 'run');
  const socket = join(state, 'berth.sock');
  const configFile = join(dir, 'daemon.json');
  // No default bridge (daemon/harness.ts says why).
  writeFileSync(configFile, JSON.stringify({ bridge: 'none', ...config }));
  let log = '';
  let exited: Promise<void> = Promise.resolve();
  const d: RestartableDaemon = {
    dir,
    root,
    socket,
    host: `unix://${socket}`,
    log: () => log,
    api: (method, path, body) => api(socket, method, path, body),
    docker: (args, input) =>
      exec('docker', ['-H', `unix://${socket}`, ...args], {
        timeoutMs: 120_000,
        ...(input === undefined ? {} : { input }),
      }),
    berth: (args, input) =>
      exec(BERTH, ['-H', `unix://${socket}`, ...args], {
        timeoutMs: 120_000,
        ...(input === undefined ? {} : { input }),
      }),
    async start() {
      mkdirSync(state, { recursive: true });
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
          join(state, 'berthd.pid'),
          '--config-file',
          configFile,
        ],
        { env: runtimeEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      d.child = child;
      child.stderr!.setEncoding('utf8').on('data', (s: string) => (log += s));
      exited = new Promise((resolve) => child.once('exit', () => resolve()));
      for (let i = 0; i < 400; i++) {
        if (child.exitCode !== null) throw new Error(`berthd exited with ${child.exitCode}: ${log}`);
        try {
          if ((await d.api('GET', '/_ping')).status === 200) return;
        } catch {
          // not yet
        }
        await sleep(50);
      }
      throw new Error(`berthd did not answer: ${log}`);
    },
    async kill() {
      if (d.child && d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (d.child && d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGTERM');
        const timer = setTimeout(() => d.child?.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
    async remove() {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return d;
}

/** What a stopped daemon's root holds, checked with the stores. */
export interface RootCheck {
  /** Blobs that do not hash to their names. */
  corrupt: string[];
  blobs: number;
  /** Snapshots of the namespace that are not committed (a pull's staging ones, left by a crash). */
  uncommitted: string[];
  /** Backend snapshots no namespace record refers to. */
  orphans: string[];
  /** The namespace's committed snapshots. */
  committed: string[];
  /** Leases of the namespace. */
  leases: string[];
}

/** Opens a stopped daemon's root and checks it (see RootCheck). */
export async function checkRoot(root: string): Promise<RootCheck> {
  const opened = await openStores(root);
  const { stores } = opened;
  try {
    const { checked, corrupt } = await stores.blobs.verifyAll();
    const sn = stores.snapshotter('moby', opened.snapshotter);
    const uncommitted: string[] = [];
    const committed: string[] = [];
    await sn.walk((info) => void (info.kind === 'committed' ? committed : uncommitted).push(info.name));
    const referenced = new Set(
      (stores.db.prepare('SELECT backend_key FROM snapshots').all() as { backend_key: string }[]).map(
        (r) => r.backend_key,
      ),
    );
    const orphans: string[] = [];
    await stores.backendSnapshotter(opened.snapshotter).walk((info) => {
      if (!referenced.has(info.name)) orphans.push(info.name);
    });
    return {
      corrupt,
      blobs: checked,
      uncommitted,
      orphans,
      committed,
      leases: stores
        .leases('moby')
        .list()
        .map((l) => l.id),
    };
  } finally {
    await stores.close();
  }
}

/** Reads files of the committed layer stack `chainId` of a stopped daemon's root (mounted as a view). */
export async function readLayerFiles(
  root: string,
  chainId: string,
  paths: string[],
): Promise<Map<string, string | undefined>> {
  const opened = await openStores(root);
  const sn = opened.stores.snapshotter('moby', opened.snapshotter);
  const key = `test-view-${process.pid}-${Date.now()}`;
  const target = mkdtempSync(join(tmpdir(), 'berth-view-'));
  const out = new Map<string, string | undefined>();
  try {
    mountAll(await sn.view(key, chainId), target);
    try {
      for (const p of paths) {
        try {
          out.set(p, statSync(join(target, p)).isFile() ? readFileSync(join(target, p), 'utf8') : 'dir');
        } catch {
          out.set(p, undefined);
        }
      }
    } finally {
      unmountAll(target);
    }
    await sn.remove(key);
  } finally {
    rmSync(target, { recursive: true, force: true });
    await opened.stores.close();
  }
  return out;
}

/** The JSON lines of a progress stream. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
