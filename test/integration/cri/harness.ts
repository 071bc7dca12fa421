// A private CRI server for one test file: its own socket, metadata database, shim root, pod root and pod
// network state under one temp dir, and a CriClient on it. Pods get cgroup_parent /berth-test/<unique> so
// that cleanup can find them. cleanup() removes every pod still listed (which stops its holder by its shim
// and releases its netns), closes the server, removes the pod network (bridge, iptables rules), the dirs
// and the cgroup parent.
import { mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../../src/base/log.js';
import { CriClient } from '../../../src/cri/client.js';
import { startCri, type CriServer } from '../../../src/cri/index.js';
import { ShimManager } from '../../../src/daemon/shim-client/index.js';
import { POD_NETWORK } from '../../../src/cri/pods/pod-network.js';
import { openDatabase, type SqliteDatabase } from '../../../src/metadata/index.js';
import { NetworkManager } from '../../../src/network/index.js';
import { removeTestCgroupParent, runtimeEnv, TEST_CGROUP_PARENT, uniqueId } from '../runtime/harness.js';

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
  readonly db: SqliteDatabase = openDatabase(join(this.dir, 'metadata.db'));
  readonly shims = new ShimManager({ root: join(this.dir, 's'), env: runtimeEnv() });
  server!: CriServer;
  client!: CriClient;

  /** Starts the server; `runtimes` as the daemon config's. */
  static async start(runtimes: Record<string, { path: string }> = {}): Promise<CriTest> {
    const t = new CriTest();
    t.server = await startCri({
      socket: t.socket,
      root: join(t.dir, 'root'),
      state: join(t.dir, 'state'),
      db: t.db,
      shims: t.shims,
      runtimes,
      version: '0.0.0-test',
      log: new Logger('error'),
    });
    t.client = new CriClient(t.socket);
    return t;
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
      this.client.close();
      await this.server.close();
      for (const id of this.shims.list()) await this.shims.delete(id, { force: true }).catch(() => undefined);
      await removePodNetwork(join(this.dir, 'root'), join(this.dir, 'state'));
      this.db.close();
      for (const h of readdirSync('/sys/fs/cgroup'))
        try {
          rmdirSync(join('/sys/fs/cgroup', h, this.cgroupParent));
        } catch {
          // absent in this hierarchy
        }
      removeTestCgroupParent();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
