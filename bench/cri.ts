// Pods through CRI: berthd (its CRI socket, the built-in runtime, berth-pause holders) against
// containerd 1.6's CRI plugin (Debian containerd, runc, the pause image below), both driven by the same
// gRPC client (src/cri/client.ts) on the same busybox image and CNI plugins (/usr/lib/cni bridge +
// host-local + portmap):
//   up     30 pods at once, each RunPodSandbox + CreateContainer (busybox sleep) + StartContainer
//   down   the reverse for all 30 at once: StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox
// Prints medians and ratios to containerd. Goal (issue 8): up and down ≤ 0.7× containerd.
// containerd's private config: its own root, state and socket, restrict_oom_score_adj = true (this
// machine lacks CAP_SYS_RESOURCE), a CNI conflist of its own, and a pause image built here from berth's
// holder binary (a one-file image; containerd runs it as its sandbox image), imported with ctr.
//
//   node build/bench/cri.js [rounds=3] [pods=30]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../src/cri/client.js';
import { holderPath } from '../src/cri/index.js';
import { closeConnections } from '../src/images/registry/index.js';
import { buildBusyboxImage } from '../test/fixtures/image.js';
import { startRegistry } from '../test/fixtures/registry.js';
import { writeTar } from '../test/fixtures/tar.js';
import { CriDaemon } from '../test/e2e/cri-daemon.js';
import {
  containerdConfig,
  killPids,
  pidsMatching,
  removeCgroupTree,
  runCommand,
  unmountUnder,
} from '../test/e2e/engines.js';
import { pushBusybox } from '../test/integration/cri/harness.js';
import { median, ratio } from './peers.js';

const rounds = Number(process.argv[2] ?? 3);
const podCount = Number(process.argv[3] ?? 30);
const PAUSE_REF = 'berth.local/pause:bench';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A docker-archive image holding only /pause (berth's holder), which containerd runs as its sandbox. */
function pauseArchive(dir: string): string {
  const layer = writeTar([{ type: 'file', path: 'pause', mode: 0o755, data: readFileSync(holderPath()) }]);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/pause'] },
      rootfs: { type: 'layers', diff_ids: [sha(layer)] },
    }),
  );
  const hex = sha(config).slice(7);
  const path = join(dir, 'pause.tar');
  writeFileSync(
    path,
    writeTar([
      { type: 'file', path: 'layer.tar', data: layer },
      { type: 'file', path: `${hex}.json`, data: config },
      {
        type: 'file',
        path: 'manifest.json',
        data: Buffer.from(
          JSON.stringify([{ Config: `${hex}.json`, RepoTags: [PAUSE_REF], Layers: ['layer.tar'] }]),
        ),
      },
    ]),
  );
  return path;
}

/** containerd with its CRI plugin on private paths. */
async function startCriContainerd(
  dir: string,
): Promise<{ socket: string; pid: number; stop(): Promise<void> }> {
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const socket = join(dir, 'containerd.sock');
  const cniConf = join(dir, 'cni');
  const name = `bench-${randomBytes(3).toString('hex')}`;
  mkdirSync(cniConf, { recursive: true });
  // A /24 out of 10.233.0.0/16 that no interface on this machine has (a bench run is short-lived).
  const subnet = `10.233.${1 + (randomBytes(1)[0]! % 250)}.0/24`;
  writeFileSync(
    join(cniConf, '10-bench.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name,
      plugins: [
        {
          type: 'bridge',
          bridge: `cb${name.slice(6)}`,
          isGateway: true,
          ipMasq: false,
          ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: join(dir, 'ipam') },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    }),
  );
  const config = containerdConfig(root, state, socket, {
    cri: [
      '[plugins."io.containerd.grpc.v1.cri"]',
      `  sandbox_image = ${JSON.stringify(PAUSE_REF)}`,
      '  restrict_oom_score_adj = true',
      '  disable_apparmor = true',
      '  [plugins."io.containerd.grpc.v1.cri".cni]',
      '    bin_dir = "/usr/lib/cni"',
      `    conf_dir = ${JSON.stringify(cniConf)}`,
      '  [plugins."io.containerd.grpc.v1.cri".containerd]',
      '    snapshotter = "overlayfs"',
      '    default_runtime_name = "runc"',
      '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '      runtime_type = "io.containerd.runc.v2"',
    ],
  });
  writeFileSync(join(dir, 'config.toml'), config);
  const logFd = openSync(join(dir, 'containerd.log'), 'a');
  const child = spawn('containerd', ['--config', join(dir, 'config.toml')], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const pid = child.pid!;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await killPids(pidsMatching(`-address ${socket} `));
    await unmountUnder(dir);
    await runCommand('ip', ['link', 'del', `cb${name.slice(6)}`]);
  };
  for (let i = 0; ; i++) {
    const v = await runCommand('ctr', ['--address', socket, 'version']);
    if (v.code === 0) break;
    if (i > 200) {
      await stop();
      throw new Error(
        `containerd did not start: ${readFileSync(join(dir, 'containerd.log'), 'utf8').slice(-2000)}`,
      );
    }
    await sleep(50);
  }
  return { socket, pid, stop };
}

/** One pod's configs for engine `tag`, round `r`, pod `i`. */
function podConfig(tag: string, r: number, i: number, logDir: string): Record<string, unknown> {
  return {
    metadata: { name: `p${i}`, uid: `${tag}-${r}-${i}`, namespace: 'bench', attempt: 0 },
    hostname: `p${i}`,
    log_directory: join(logDir, `${tag}-${r}-${i}`),
    linux: { cgroup_parent: `/berth-bench-cri/${tag}-${r}-${i}` },
  };
}

/** Up and down of `podCount` pods at once through `client`; wall times in ms. */
async function cycle(
  client: CriClient,
  tag: string,
  r: number,
  image: string,
  logDir: string,
): Promise<{ up: number; down: number }> {
  const call = (m: string, req: object): Promise<Record<string, unknown>> =>
    client.call('runtime', m, req, 120_000);
  const down = (made: { pod: string; ctr?: string }[]): Promise<unknown> =>
    Promise.all(
      made.map(async ({ pod, ctr }) => {
        if (ctr) {
          await call('StopContainer', { container_id: ctr, timeout: 0 });
          await call('RemoveContainer', { container_id: ctr });
        }
        await call('StopPodSandbox', { pod_sandbox_id: pod });
        await call('RemovePodSandbox', { pod_sandbox_id: pod });
      }),
    );
  const t0 = performance.now();
  const made: { pod: string; ctr?: string }[] = [];
  const ups = await Promise.allSettled(
    Array.from({ length: podCount }, async (_, i) => {
      const config = podConfig(tag, r, i, logDir);
      const m: { pod: string; ctr?: string } = {
        pod: String((await call('RunPodSandbox', { config })).pod_sandbox_id),
      };
      made.push(m);
      m.ctr = String(
        (
          await call('CreateContainer', {
            pod_sandbox_id: m.pod,
            sandbox_config: config,
            config: {
              metadata: { name: 'c', attempt: 0 },
              image: { image },
              command: ['sleep', '1000'],
              log_path: 'c.log',
            },
          })
        ).container_id,
      );
      await call('StartContainer', { container_id: m.ctr });
    }),
  );
  const up = performance.now() - t0;
  const failed = ups.find((u): u is PromiseRejectedResult => u.status === 'rejected');
  if (failed) {
    // What did come up goes again, so that one failed call leaks no pod into the next round or the host.
    await down(made).catch(() => undefined);
    throw failed.reason;
  }
  const t1 = performance.now();
  await down(made);
  return { up, down: performance.now() - t1 };
}

const work = mkdtempSync(join(tmpdir(), 'bench-cri-'));
const reg = await startRegistry();
const berthd = new CriDaemon({});
let ctd: Awaited<ReturnType<typeof startCriContainerd>> | undefined;
try {
  await berthd.start();
  const berthImage = await pushBusybox(reg, work, 'bench/busybox:1');
  await berthd.client.call('image', 'PullImage', { image: { image: berthImage } });

  ctd = await startCriContainerd(join(work, 'ctd'));
  const busy = await buildBusyboxImage(join(work, 'img'));
  for (const archive of [busy.dockerArchive, pauseArchive(work)]) {
    const res = await runCommand('ctr', [
      '--address',
      ctd.socket,
      '-n',
      'k8s.io',
      'images',
      'import',
      archive,
    ]);
    if (res.code !== 0) throw new Error(`ctr import: ${res.stderr}`);
  }
  const ctdClient = new CriClient(ctd.socket);
  const results: Record<string, { up: number[]; down: number[] }> = {
    berthd: { up: [], down: [] },
    containerd: { up: [], down: [] },
  };
  for (let r = 0; r < rounds; r++) {
    // Turns alternate within a round, so that drift in the machine's load hits both alike.
    for (const [tag, client, image] of [
      ['berthd', berthd.client, berthImage],
      ['containerd', ctdClient, busy.ref],
    ] as const) {
      const t = await cycle(client, tag, r, image, join(work, 'logs'));
      results[tag]!.up.push(t.up);
      results[tag]!.down.push(t.down);
    }
  }
  ctdClient.close();
  console.log(
    `CRI: ${podCount} pods at once (RunPodSandbox + CreateContainer + StartContainer, and back), ${rounds} rounds; medians in ms`,
  );
  const b = results.berthd!;
  const c = results.containerd!;
  console.log(
    `  up     berthd ${median(b.up).toFixed(0)}  containerd ${median(c.up).toFixed(0)}  ratio ${ratio(median(b.up), median(c.up))}  (goal <= 0.7)`,
  );
  console.log(
    `  down   berthd ${median(b.down).toFixed(0)}  containerd ${median(c.down).toFixed(0)}  ratio ${ratio(median(b.down), median(c.down))}  (goal <= 0.7)`,
  );
  console.log('  (berthd runs without NODE_EXTRA_CA_CERTS, as users have it)');
} finally {
  await ctd?.stop();
  await berthd.cleanup();
  await reg.stop();
  closeConnections();
  await removeCgroupTree('berth-bench-cri');
  rmSync(work, { recursive: true, force: true });
}
