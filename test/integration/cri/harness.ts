// A private CRI server for one test file: its own socket, metadata database, shim root, pod root and pod
// network state under one temp dir, and a CriClient on it. Pods get cgroup_parent /berth-test/<unique> so
// that cleanup can find them. cleanup() removes every pod still listed (which stops its holder by its shim
// and releases its netns), closes the server, removes the pod network (bridge, iptables rules), the dirs
// and the cgroup parent.
import { mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../../src/base/log.js';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { CriCallError, CriClient } from '../../../src/cri/client.js';
import { ShimManager } from '../../../src/daemon/shim-client/index.js';
import { startCri, type Cri } from '../../../src/cri/index.js';
import { POD_NETWORK } from '../../../src/cri/pods/pod-network.js';
import type { RegistryHostConfig, RuntimeConfig } from '../../../src/daemon/config.js';
import {
  closeConnections,
  LayoutStore,
  OCI_MANIFEST,
  push,
  RegistryClient,
  StaticCredentials,
} from '../../../src/images/registry/index.js';
import { openStores, type Stores } from '../../../src/metadata/index.js';
import { NetworkManager } from '../../../src/network/index.js';
import { buildBusyboxImage } from '../../fixtures/image.js';
import type { TestRegistry } from '../../fixtures/registry.js';
import { removeTestCgroupParent, runtimeEnv, TEST_CGROUP_PARENT, uniqueId } from '../runtime/harness.js';

/** Asserts that a CRI call fails with gRPC status `code` and details matching `message`. */
export async function rejects(p: Promise<unknown>, code: status, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CriCallError, String(err));
    assert.equal(status[err.code], status[code], err.message);
    assert.match(err.details, message);
    return true;
  });
}

/** What CriTest.start takes: the daemon config's parts the CRI uses. */
export interface CriTestOptions {
  runtimes?: Record<string, RuntimeConfig>;
  registries?: Record<string, RegistryHostConfig>;
}

/** Pushes the busybox test image to `reg` as `<reg.host>/<repo>`; returns the reference. */
export async function pushBusybox(
  reg: TestRegistry,
  dir: string,
  repo = 'library/busybox:cri',
  credential?: { username: string; password: string },
): Promise<string> {
  const image = await buildBusyboxImage(join(dir, `img-${uniqueId('b')}`));
  const ref = `${reg.host}/${repo}`;
  const manifest = readFileSync(join(image.layoutDir, 'blobs', 'sha256', image.manifestDigest.slice(7)));
  await push(
    new RegistryClient({ credentials: new StaticCredentials(credential ? { [reg.host]: credential } : {}) }),
    ref,
    { mediaType: OCI_MANIFEST, digest: image.manifestDigest, size: manifest.length },
    { source: await LayoutStore.open(image.layoutDir) },
  );
  return ref;
}

/** Removes a test's pod cgroup parent from every hierarchy (its pods' own cgroups are gone by then). */
export function removeCgroupParent(parent: string): void {
  for (const h of readdirSync('/sys/fs/cgroup'))
    try {
      rmdirSync(join('/sys/fs/cgroup', h, parent));
    } catch {
      // absent in this hierarchy
    }
  removeTestCgroupParent();
}

/** Removes the pod network (its bridge and iptables rules outlive the server, as a daemon's should). */
async function removePodNetwork(root: string, state: string): Promise<void> {
  const m = await NetworkManager.open({ root, state, defaultBridge: false });
  try {
    if (m.listNetworks().some((n) => n.name === POD_NETWORK)) await m.removeNetwork(POD_NETWORK);
  } finally {
    await m.close();
  }
}

/** A CRI server and a client on it. */
export class CriTest {
  /** Short on purpose: shim socket paths under it must fit a unix socket address. */
  readonly dir = mkdtempSync(join(tmpdir(), 'bcri-'));
  readonly socket = join(this.dir, 'cri.sock');
  readonly cgroupParent = `/${TEST_CGROUP_PARENT}/${uniqueId('cri')}`;
  /** The daemon's root (stores) and CRI's dirs under it. */
  readonly root = join(this.dir, 'root');
  readonly criRoot = join(this.root, 'cri');
  readonly criState = join(this.dir, 'st');
  stores!: Stores;
  server!: Cri;
  client!: CriClient;
  private options: CriTestOptions = {};

  /** Starts the server with the daemon config's runtimes and registries. */
  static async start(opts: CriTestOptions = {}): Promise<CriTest> {
    const t = new CriTest();
    t.options = opts;
    await t.startServer();
    return t;
  }

  /** (Re)starts the server on the same dirs: what a daemon restart does. */
  async startServer(): Promise<void> {
    const opened = await openStores(this.root);
    this.stores = opened.stores;
    this.server = await startCri({
      socket: this.socket,
      root: this.criRoot,
      state: this.criState,
      stores: opened.stores,
      snapshotter: opened.snapshotter,
      config: {
        runtimes: this.options.runtimes ?? {},
        registries: this.options.registries ?? {},
        registryMirrors: [],
        insecureRegistries: [],
      },
      env: runtimeEnv(),
      version: '0.0.0-test',
      log: new Logger('error'),
    });
    this.client = new CriClient(this.socket);
  }

  /** Stops the server as a crash would leave things: containers and holders keep running. */
  async stopServer(): Promise<void> {
    this.client.close();
    await this.server.close();
    await this.stores.close();
  }

  /** The shims of CRI's state dir. */
  get shims(): ShimManager {
    return new ShimManager({ root: join(this.criState, 'shims'), env: runtimeEnv() });
  }

  /** A PodSandboxConfig with unique metadata, in this test's cgroup parent. */
  podConfig(
    name: string,
    extra: Record<string, unknown> = {},
    linux: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      metadata: { name, uid: uniqueId('uid'), namespace: 'default', attempt: 0 },
      hostname: name,
      log_directory: join(this.dir, 'logs', name),
      linux: { cgroup_parent: this.cgroupParent, ...linux },
      ...extra,
    };
  }

  /** Runs a pod; resolves with its id. */
  async runPod(config: Record<string, unknown>, handler = ''): Promise<string> {
    const res = await this.client.call<{ pod_sandbox_id: string }>('runtime', 'RunPodSandbox', {
      config,
      runtime_handler: handler,
    });
    return res.pod_sandbox_id;
  }

  /** Removes what the test left, then everything of the server. */
  async cleanup(): Promise<void> {
    try {
      const { items } = await this.client.call<{ items: { id: string }[] }>('runtime', 'ListPodSandbox', {});
      for (const p of items) await this.client.call('runtime', 'RemovePodSandbox', { pod_sandbox_id: p.id });
    } finally {
      await this.stopServer();
      const shims = this.shims;
      for (const id of shims.list()) await shims.delete(id, { force: true }).catch(() => undefined);
      await removePodNetwork(this.criRoot, this.criState);
      closeConnections();
      removeCgroupParent(this.cgroupParent);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
