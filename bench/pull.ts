// Pull of a multi-layer image (random data layers, ~200 MiB by default) from a loopback docker-registry:
// the real docker CLI against berthd (pull, unpack into overlay snapshots, name) and against a private
// dockerd (Debian's docker.io), containerd's `ctr images pull` (pull + unpack into its overlayfs
// snapshotter, a private containerd), `podman pull` (private storage), berth's client in this process,
// skopeo copy (pull only) and skopeo + umoci unpack, and re-pulls of an image already present. Prints
// medians and ratios to containerd (pulls to `ctr pull`, re-pulls to `ctr re-pull`); issue 5's goals:
// berthd's pull faster than containerd's, and its re-pull at most 0.5x containerd's. berth's client runs in
// this process (its Node start is not counted); berthd and dockerd are started once, before timing, and
// each sample is one docker CLI process, as is each peer's. The machine is shared while engineers work:
// run it to check it works; the lead takes the figures.
//
//   node build/bench/pull.js [iterations=5] [size-mb=200] [layers=8]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LayoutStore,
  OCI_MANIFEST,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  pull,
  push,
} from '../src/images/registry/index.js';
import { unpackLayer } from '../src/images/unpack/index.js';
import { type Containerd, type Podman, startContainerd, startPodman } from '../test/e2e/engines.js';
import { type LayerSpec, writeImage } from '../test/fixtures/oci-images.js';
import { startRegistry } from '../test/fixtures/registry.js';
import { type Dockerd, dockerdSkipReason, startDockerd } from '../test/e2e/dockerd.js';
import { type RestartableDaemon, restartableDaemon } from '../test/integration/images-daemon/fixtures.js';

const iterations = Number(process.argv[2] ?? 5);
const sizeMb = Number(process.argv[3] ?? 200);
const layerCount = Number(process.argv[4] ?? 8);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function have(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

/** Layers of random bytes over a 16-letter alphabet (gzip gets about 2:1, as on binaries), 8 files each. */
function layers(): LayerSpec[] {
  const perFile = Math.floor((sizeMb << 20) / layerCount / 8);
  return Array.from({ length: layerCount }, (_, l) => ({
    entries: Array.from({ length: 8 }, (_, f) => {
      const data = randomBytes(perFile);
      for (let i = 0; i < data.length; i++) data[i] = 0x61 + ((data[i] as number) & 0x0f);
      return { type: 'file' as const, path: `layer${l}/file${f}`, data };
    }),
  }));
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-pull-'));
  const reg = await startRegistry();
  let ctd: Containerd | undefined;
  let pod: Podman | undefined;
  let berthd: RestartableDaemon | undefined;
  let dockerd: Dockerd | undefined;
  try {
    console.log(`building a ${layerCount}-layer image of ${sizeMb} MiB (gzip layers)...`);
    const image = writeImage(join(work, 'img'), layers());
    const client = (): RegistryClient => new RegistryClient({ credentials: new StaticCredentials() });
    const ref = `${reg.host}/bench/img:1`;
    await push(
      client(),
      ref,
      { ...image.manifest, mediaType: OCI_MANIFEST },
      { source: await LayoutStore.open(join(work, 'img')) },
    );
    const compressed = image.layers.reduce((s, l) => s + l.size, 0);
    console.log(`pushed ${ref}: ${(compressed / 1048576).toFixed(1)} MiB compressed`);

    if (have('containerd') && have('ctr')) {
      try {
        ctd = await startContainerd({ runtime: 'runc', namespace: `bench-pull-${process.pid}` });
      } catch (err) {
        console.log(`containerd: could not start (${(err as Error).message.slice(0, 200)}), skipped`);
      }
    } else console.log('containerd: not installed, skipped');
    if (have('podman')) {
      try {
        pod = await startPodman({ runtime: 'runc' });
      } catch (err) {
        console.log(`podman: could not set up (${(err as Error).message.slice(0, 200)}), skipped`);
      }
    } else console.log('podman: not installed, skipped');
    try {
      berthd = restartableDaemon();
      await berthd.start();
    } catch (err) {
      console.log(`berthd: could not start (${(err as Error).message.slice(0, 200)}), skipped`);
      await berthd?.remove();
      berthd = undefined;
    }
    const noDockerd = dockerdSkipReason();
    if (noDockerd === undefined) {
      try {
        dockerd = await startDockerd({});
      } catch (err) {
        console.log(`dockerd: could not start (${(err as Error).message.slice(0, 200)}), skipped`);
      }
    } else console.log(`dockerd: ${noDockerd}, skipped`);
    // Both through the same docker CLI binary (the one on PATH), one process per sample.
    const engines: [string, (args: string[]) => Promise<{ code: number; stderr: string }>][] = [];
    if (berthd !== undefined) engines.push(['berthd', (a) => berthd!.docker(a)]);
    if (dockerd !== undefined) engines.push(['dockerd', (a) => dockerd!.docker(a, { timeoutMs: 600_000 })]);

    const samples = new Map<string, number[]>();
    const add = (name: string, ms: number): void =>
      void (samples.get(name) ?? samples.set(name, []).get(name)!).push(ms);
    let n = 0;
    for (let i = 0; i < iterations + 1; i++) {
      const warm = i === 0; // the first round warms caches and is not counted
      const dir = join(work, `run-${n++}`);
      mkdirSync(dir);
      const record = (name: string, ms: number): void => (warm ? undefined : add(name, ms));

      for (const [engine, docker] of engines) {
        const run = async (args: string[]): Promise<void> => {
          const r = await docker(args);
          if (r.code !== 0) throw new Error(`docker ${args.join(' ')} (${engine}): ${r.stderr}`);
        };
        record(`docker pull -> ${engine}`, await time(() => run(['pull', '-q', ref])));
        record(`docker re-pull -> ${engine}`, await time(() => run(['pull', '-q', ref])));
        await run(['rmi', ref]); // layers and blobs go too: the next round pulls everything again
      }

      const store = await LayoutStore.open(join(dir, 'berth'));
      record('berth pull', await time(() => pull(client(), ref, { sink: store })));
      record('berth re-pull (present)', await time(() => pull(client(), ref, { sink: store })));
      const store2 = await LayoutStore.open(join(dir, 'berth2'));
      record(
        'berth pull+unpack',
        await time(async () => {
          // Each layer is unpacked into its own overlay-form dir while it downloads (layer-tee.ts).
          const r = await pull(client(), ref, {
            sink: store2,
            unpacker: {
              source: store2,
              apply: async (layer, blob) => {
                const target = join(dir, 'snap', layer.descriptor.digest.slice(7, 19));
                mkdirSync(target, { recursive: true });
                const { mediaType, digest } = layer.descriptor;
                await unpackLayer(blob, target, {
                  mediaType,
                  whiteouts: 'overlay',
                  digest,
                  diffId: layer.diffId,
                });
              },
            },
          });
          return r;
        }),
      );

      if (have('skopeo')) {
        const out = join(dir, 'skopeo');
        record(
          'skopeo copy',
          await time(() =>
            execFileSync('skopeo', [
              'copy',
              '-q',
              '--src-tls-verify=false',
              `docker://${ref}`,
              `oci:${out}:1`,
            ]),
          ),
        );
        if (have('umoci')) {
          const out2 = join(dir, 'skopeo2');
          record(
            'skopeo+umoci unpack',
            await time(() => {
              execFileSync('skopeo', [
                'copy',
                '-q',
                '--src-tls-verify=false',
                `docker://${ref}`,
                `oci:${out2}:1`,
              ]);
              execFileSync('umoci', ['unpack', '--image', `${out2}:1`, join(dir, 'bundle')], {
                stdio: 'ignore',
              });
            }),
          );
        }
      }
      if (ctd !== undefined) {
        const c = ctd;
        record(
          'ctr pull (+unpack)',
          await time(async () => {
            const r = await c.ctr(['images', 'pull', '--plain-http', ref], { timeoutMs: 600_000 });
            if (r.code !== 0) throw new Error(`ctr pull: ${r.stderr}`);
          }),
        );
        record('ctr re-pull (present)', await time(() => c.ctr(['images', 'pull', '--plain-http', ref])));
        await c.ctr(['images', 'rm', '--sync', ref]);
        await c.ctr(['content', 'prune', 'references']).catch(() => undefined);
      }
      if (pod !== undefined) {
        const p = pod;
        // podman pull stores and unpacks into its overlay storage (c/storage), like ctr pull.
        record(
          'podman pull (+unpack)',
          await time(async () => {
            const r = await p.podmanCopy(['pull', '-q', '--tls-verify=false', ref], { timeoutMs: 600_000 });
            if (r.code !== 0) throw new Error(`podman pull: ${r.stderr}`);
          }),
        );
        record(
          'podman re-pull (present)',
          await time(() => p.podmanCopy(['pull', '-q', '--tls-verify=false', ref])),
        );
        await p.podman(['rmi', '-f', ref]);
      }
      rmSync(dir, { recursive: true, force: true });
    }

    const base = median(samples.get('ctr pull (+unpack)') ?? []) || undefined;
    const rebase = median(samples.get('ctr re-pull (present)') ?? []) || undefined;
    console.log(`\nmedians of ${iterations} iterations (ms); ratio to ctr pull (re-pulls: to ctr re-pull)`);
    for (const [name, s] of samples) {
      const m = median(s);
      const to = name.includes('re-pull') ? rebase : base;
      console.log(`${name.padEnd(28)} ${m.toFixed(0).padStart(8)}   ${to ? (m / to).toFixed(2) + 'x' : '-'}`);
    }
  } finally {
    closeConnections();
    await ctd?.stop();
    await pod?.cleanup();
    await berthd?.remove();
    await dockerd?.stop();
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
