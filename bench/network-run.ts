// Containers on a daemon's default bridge network, driven by their own CLIs on the same busybox image:
//   berthd    the docker CLI against berthd: CNI bridge + host-local + portmap into a netns of its own
//   dockerd   the docker CLI against a private dockerd 20.10 (its containerd, runc), libnetwork's bridge
//   podman    podman (runc) on a netavark bridge network of its own (podman names its device podmanN)
// Each has its own bridge device and test subnet. Measured:
//   single    `run --rm busybox true` on the bridge, one at a time
//   many      50 networked containers: `run -d busybox sleep 1000` one after the other, then one `rm -f`
// Prints medians and ratios to dockerd (issue 7's goal: ≤ 0.5× dockerd). dockerd runs with
// --iptables=false (so as not to touch the machine's firewall, which other daemons share): its numbers
// leave out the NAT rules berthd's and podman's include. The engines take turns within each round.
//
//   node build/bench/network-run.js [rounds=10] [containers=50]
import { execFileSync } from 'node:child_process';
import { startNetworkDaemon } from '../test/integration/daemon/networks-fixture.js';
import { token } from '../test/integration/network/host.js';
import { testSubnet } from '../test/integration/network/subnets.js';
import { loadBusybox, startDockerd } from '../test/e2e/dockerd.js';
import { importBusybox, removeEmptyCgroup, startPodman } from '../test/e2e/engines.js';
import { type CliEngine, env, median, ratio, runCli, which } from './peers.js';

const rounds = Number(process.argv[2] ?? 10);
const many = Number(process.argv[3] ?? 50);

interface Engine extends CliEngine {
  image: string;
  /** Flags that put a container on the engine's bridge network. */
  network: string[];
}

/** `many` networked containers made one after another, then removed at once; the wall time of both. */
async function createAndRemove(e: Engine): Promise<number> {
  const t0 = process.hrtime.bigint();
  const ids: string[] = [];
  for (let i = 0; i < many; i++)
    ids.push((await runCli(e, ['run', '-d', ...e.network, e.image, 'sleep', '1000'])).stdout.trim());
  await runCli(e, ['rm', '-f', ...ids]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });

async function main(): Promise<void> {
  const dockerBridge = `bd${token()}`;
  const dockerSubnet = testSubnet();
  ip('link', 'add', dockerBridge, 'type', 'bridge');
  ip('addr', 'add', `${dockerSubnet.host(1)}/24`, 'dev', dockerBridge);
  ip('link', 'set', dockerBridge, 'up');
  const berthd = await startNetworkDaemon({ busybox: true });
  const dockerd = await startDockerd({}, { bridge: dockerBridge }).catch((err: unknown) => {
    ip('link', 'del', dockerBridge);
    throw err;
  });
  const podman = which('podman') ? await startPodman({ runtime: '/usr/sbin/runc' }) : undefined;
  const podNet = `bench${token()}`;
  try {
    const engines: Engine[] = [
      { name: 'berthd', bin: 'docker', args: ['-H', berthd.host], env, image: 'busybox', network: [] },
      {
        name: 'dockerd',
        bin: 'docker',
        args: ['-H', `unix://${dockerd.socket}`],
        env,
        image: await loadBusybox(dockerd),
        network: [],
      },
    ];
    if (podman) {
      const subnet = testSubnet();
      const made = await podman.podman(['network', 'create', '--subnet', subnet.cidr, podNet]);
      if (made.code !== 0) throw new Error(`podman network create: ${made.stderr}`);
      engines.push({
        name: 'podman',
        bin: 'podman',
        args: podman.globalArgs,
        env: { ...env, ...podman.env },
        image: await importBusybox(podman),
        network: ['--network', podNet],
      });
    }
    const single = new Map(engines.map((e) => [e.name, [] as number[]]));
    const batches = new Map(engines.map((e) => [e.name, [] as number[]]));
    for (let i = 0; i < rounds + 1; i++)
      for (const e of engines) {
        const { ms } = await runCli(e, ['run', '--rm', ...e.network, e.image, 'true']);
        if (i > 0) single.get(e.name)!.push(ms); // round 0 warms caches up
      }
    for (let i = 0; i < Math.max(1, Math.ceil(rounds / 5)); i++)
      for (const e of engines) batches.get(e.name)!.push(await createAndRemove(e));

    const base = { single: median(single.get('dockerd')!), many: median(batches.get('dockerd')!) };
    console.log(
      `\nmedians (ms) on the default bridge: run --rm of ${rounds} rounds; ${many} networked run -d + rm -f`,
    );
    console.log('engine      single   ratio       many   ratio');
    for (const e of engines) {
      const s = median(single.get(e.name)!);
      const m = median(batches.get(e.name)!);
      console.log(
        `${e.name.padEnd(10)} ${s.toFixed(1).padStart(7)}  ${ratio(s, base.single).padStart(6)}   ${m.toFixed(1).padStart(8)}  ${ratio(m, base.many).padStart(6)}`,
      );
    }
  } finally {
    await berthd.stop();
    await removeEmptyCgroup('berth');
    await dockerd.stop();
    ip('link', 'del', dockerBridge);
    if (podman) {
      await podman.podman(['network', 'rm', '-f', podNet]).catch(() => undefined);
      await podman.cleanup();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
