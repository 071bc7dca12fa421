// Containers through a daemon: berthd vs a private dockerd (20.10, its own containerd and runc) vs
// podman (runc), all driven by their own CLIs on the same busybox image:
//   single   `docker run --rm busybox true` (podman: `podman run --rm`), one at a time
//   burst    50 `run -d busybox sleep 1000` at once, then one `rm -f` of them all
//   idle RSS the daemon's resident memory after the runs (dockerd: dockerd alone, and with its containerd)
// Prints medians and ratios to dockerd. Goals (issue 6): single and burst ≤ 0.5× dockerd; idle RSS ≤
// dockerd's. The engines take turns within each round, so drift in the machine's load hits all alike.
//
//   node build/bench/containers.js [rounds=10] [burst=50]
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startContainersDaemon, cleanupDaemon } from '../test/integration/containers/harness.js';
import { loadBusybox, startDockerd } from '../test/e2e/dockerd.js';
import { importBusybox, pidsMatching, removeEmptyCgroup, startPodman } from '../test/e2e/engines.js';
import { type CliEngine, env, median, ratio, runCli, which } from './peers.js';

const rounds = Number(process.argv[2] ?? 10);
const burstSize = Number(process.argv[3] ?? 50);

/** The burst: `burstSize` detached runs at once, then one rm -f; the wall time of both. */
async function burst(e: CliEngine, image: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const ids = await Promise.all(
    Array.from({ length: burstSize }, async () =>
      (await runCli(e, ['run', '-d', image, 'sleep', '1000'])).stdout.trim(),
    ),
  );
  await runCli(e, ['rm', '-f', ...ids]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** VmRSS of a pid in MiB (0 when it is gone). */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const berthd = await startContainersDaemon();
  const dockerd = await startDockerd({});
  const podman = which('podman') ? await startPodman({ runtime: '/usr/sbin/runc' }) : undefined;
  try {
    const engines: { engine: CliEngine; image: string; burst: boolean }[] = [
      {
        engine: { name: 'berthd', bin: 'docker', args: ['-H', berthd.host], env },
        image: 'busybox',
        burst: true,
      },
      {
        engine: { name: 'dockerd', bin: 'docker', args: ['-H', `unix://${dockerd.socket}`], env },
        image: await loadBusybox(dockerd),
        burst: true,
      },
    ];
    if (podman)
      engines.push({
        engine: { name: 'podman', bin: 'podman', args: podman.globalArgs, env: { ...env, ...podman.env } },
        image: await importBusybox(podman),
        burst: false,
      });
    const single = new Map(engines.map((e) => [e.engine.name, [] as number[]]));
    const bursts = new Map(engines.map((e) => [e.engine.name, [] as number[]]));
    for (let i = 0; i < rounds + 1; i++) {
      for (const e of engines) {
        const { ms } = await runCli(e.engine, ['run', '--rm', e.image, 'true']);
        if (i > 0) single.get(e.engine.name)!.push(ms); // round 0 warms caches up
      }
    }
    for (let i = 0; i < Math.max(1, Math.ceil(rounds / 5)); i++)
      for (const e of engines) if (e.burst) bursts.get(e.engine.name)!.push(await burst(e.engine, e.image));
    await sleep(2000); // idle
    const containerd = pidsMatching(dockerd.dir).filter((p) => p !== dockerd.pid);
    const rss = {
      berthd: rssMiB(berthd.child.pid!),
      dockerd: rssMiB(dockerd.pid),
      containerd: containerd.reduce((sum, p) => sum + rssMiB(p), 0),
    };

    const base = { single: median(single.get('dockerd')!), burst: median(bursts.get('dockerd')!) };
    console.log(`\nmedians (ms): single run of ${rounds} rounds, burst of ${burstSize} run -d + rm -f`);
    console.log('engine      single   ratio      burst   ratio');
    for (const e of engines) {
      const s = median(single.get(e.engine.name)!);
      const b = e.burst ? median(bursts.get(e.engine.name)!) : NaN;
      console.log(
        `${e.engine.name.padEnd(10)} ${s.toFixed(1).padStart(7)}  ${ratio(s, base.single).padStart(6)}   ${
          e.burst ? b.toFixed(1).padStart(8) : '       -'
        }  ${e.burst ? ratio(b, base.burst).padStart(6) : '     -'}`,
      );
    }
    console.log(
      `idle RSS (MiB): berthd ${rss.berthd.toFixed(1)}, dockerd ${rss.dockerd.toFixed(1)} ` +
        `(${ratio(rss.berthd, rss.dockerd)}; dockerd + its containerd ${(rss.dockerd + rss.containerd).toFixed(1)})`,
    );
  } finally {
    await cleanupDaemon(berthd);
    await dockerd.stop();
    await podman?.cleanup();
    await removeEmptyCgroup('berth');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
