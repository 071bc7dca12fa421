// Turns an image's layers into committed snapshots named by their chain IDs (image-spec config.md "Layer
// ChainID"), reusing those that exist. On overlay every layer is unpacked while it downloads, all at once,
// each into a *staging* snapshot of its own (an active snapshot without parent: its directory is the
// layer's upper dir, whiteouts in overlay's form). A chain needs its parent committed first, so once the
// downloads are done the layers are committed bottom up:
//
//   layer 0        commit(chain0, staging0)                     (a parentless layer is its own staging)
//   layer n > 0    prepare(extract-n, chain(n-1)); rename(staging-n/fs → extract-n's upper dir, an empty
//                  directory that rename(2) may replace); remove(staging-n); commit(chain-n, extract-n)
//
// The copy snapshotter (native) applies whiteouts as deletions onto a copy of the layers below, so there
// each layer is unpacked in order from the stored blob after the download. Staging and extract snapshots
// carry STAGING_LABEL: the service removes any left by a crash when it starts (ImageService.recover).
import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import { chainIds, type NamespacedSnapshotter } from '../../metadata/index.js';
import { layerDir } from '../../snapshots/index.js';
import type { BlobSource, LayerUnpacker, PulledLayer } from '../registry/index.js';
import { unpackLayer } from '../unpack/index.js';

/** The label on snapshots a pull makes before their layer is committed (value: the pull's id). */
export const STAGING_LABEL = 'berth.io/unpack';

/** What the stager reports per layer blob digest. */
export type LayerEvent =
  | { state: 'exists'; digest: string }
  | { state: 'extracting'; digest: string; current: number; total: number }
  | { state: 'complete'; digest: string };

/** How the stager is set up for one pull. */
export interface StagerOptions {
  /** The namespace's snapshotter view, under the pull's lease. */
  snapshotter: NamespacedSnapshotter;
  /** Whether layers may be unpacked apart and stacked afterwards (overlay); false for native. */
  overlay: boolean;
  /** Where committed blobs are read from. */
  source: BlobSource;
  /** Adds an existing committed snapshot to the pull's lease. */
  hold(chainId: string): void;
  onEvent?: (event: LayerEvent) => void;
}

interface Staged {
  key: string;
  dir: string;
}

/** Unpacks and commits one pull's layers; see the file comment. */
export class LayerStager implements LayerUnpacker {
  readonly source: BlobSource;
  private readonly id = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly staged = new Map<string, Staged[]>();
  /** Chain IDs that exist, and per blob digest the chain IDs of its positions (once the config is known). */
  private readonly present = new Set<string>();
  private chainsOf = new Map<string, string[]>();

  constructor(private readonly opts: StagerOptions) {
    this.source = opts.source;
  }

  /** Learns the image's layers (from its config), so that layers already unpacked are not unpacked again. */
  async learn(layers: readonly PulledLayer[]): Promise<void> {
    const ids = chainIds({ rootfs: { diff_ids: layers.map((l) => l.diffId) } });
    const chainsOf = new Map<string, string[]>();
    for (const [i, l] of layers.entries()) {
      const list = chainsOf.get(l.descriptor.digest) ?? [];
      list.push(ids[i]!);
      chainsOf.set(l.descriptor.digest, list);
      if (await this.committed(ids[i]!)) this.present.add(ids[i]!);
    }
    this.chainsOf = chainsOf;
  }

  /** Whether every position of this blob in the image is unpacked already. */
  isPresent(digest: string): boolean {
    const chains = this.chainsOf.get(digest);
    return chains !== undefined && chains.every((c) => this.present.has(c));
  }

  /** LayerUnpacker.apply: stages the layer (overlay), or leaves it for commitChain (native). */
  async apply(layer: PulledLayer, blob: AsyncIterable<Buffer>): Promise<void> {
    const { digest } = layer.descriptor;
    if (!this.opts.overlay || this.isPresent(digest)) {
      // Nothing to unpack now: let a live download run on, stop reading a stored blob.
      if (blob instanceof PassThrough) for await (const chunk of blob) void chunk;
      else (blob as Partial<Readable>).destroy?.();
      return;
    }
    const key = this.key('staging');
    const mounts = await this.opts.snapshotter.prepare(key, undefined, { labels: this.labels() });
    const dir = layerDir(mounts);
    try {
      if (dir === undefined)
        throw new BerthError('Internal', `snapshot "${key}": no writable layer directory`);
      await this.unpack(layer, blob, dir, 'overlay');
    } catch (err) {
      await this.opts.snapshotter.remove(key).catch(() => undefined);
      throw err;
    }
    const list = this.staged.get(digest) ?? [];
    list.push({ key, dir });
    this.staged.set(digest, list);
  }

  /** Commits the layers bottom up (see the file comment); returns their chain IDs. */
  async commitChain(layers: readonly PulledLayer[]): Promise<string[]> {
    const sn = this.opts.snapshotter;
    const ids = chainIds({ rootfs: { diff_ids: layers.map((l) => l.diffId) } });
    let parent: string | undefined;
    for (const [i, layer] of layers.entries()) {
      const chain = ids[i]!;
      const { digest } = layer.descriptor;
      if (await this.committed(chain)) {
        this.opts.hold(chain);
        this.opts.onEvent?.({ state: this.present.has(chain) ? 'exists' : 'complete', digest });
        parent = chain;
        continue;
      }
      const staged = this.staged.get(digest)?.shift();
      let key: string;
      if (staged !== undefined && parent === undefined) key = staged.key;
      else {
        key = this.key('extract');
        const mounts = await sn.prepare(key, parent, { labels: this.labels() });
        const dir = layerDir(mounts);
        if (dir === undefined)
          throw new BerthError('Internal', `snapshot "${key}": no writable layer directory`);
        if (staged !== undefined) {
          await rename(staged.dir, dir);
          await sn.remove(staged.key);
        } else {
          await this.unpack(
            layer,
            await this.source.open(layer.descriptor),
            dir,
            this.opts.overlay ? 'overlay' : 'apply',
          );
        }
      }
      try {
        await sn.commit(chain, key);
      } catch (err) {
        // Another pull committed the same layer first: theirs is as good as ours.
        if (!(err instanceof BerthError && err.code === 'AlreadyExists')) throw err;
        await sn.remove(key);
        this.opts.hold(chain);
      }
      this.opts.onEvent?.({ state: 'complete', digest });
      parent = chain;
    }
    return ids;
  }

  /** Removes what this pull staged and did not commit. */
  async discard(): Promise<void> {
    for (const list of this.staged.values())
      for (const s of list) await this.opts.snapshotter.remove(s.key).catch(() => undefined);
    this.staged.clear();
    await this.opts.snapshotter.walk(async (info) => {
      if (info.kind === 'active' && info.labels[STAGING_LABEL] === this.id)
        await this.opts.snapshotter.remove(info.name).catch(() => undefined);
    });
  }

  private async unpack(
    layer: PulledLayer,
    blob: AsyncIterable<Buffer>,
    dir: string,
    whiteouts: 'overlay' | 'apply',
  ): Promise<void> {
    const { mediaType, digest, size } = layer.descriptor;
    let last = 0;
    await unpackLayer(blob, dir, {
      mediaType,
      whiteouts,
      digest,
      diffId: layer.diffId,
      onBytes: (current) => {
        // docker's progress readers report at most every 100 ms or so; so do we, plus the last byte.
        const now = Date.now();
        if (now - last < 100 && current < size) return;
        last = now;
        this.opts.onEvent?.({ state: 'extracting', digest, current, total: size });
      },
    });
  }

  private async committed(chain: string): Promise<boolean> {
    try {
      return (await this.opts.snapshotter.stat(chain)).kind === 'committed';
    } catch (err) {
      if (err instanceof BerthError && err.code === 'NotFound') return false;
      throw err;
    }
  }

  private key(kind: 'staging' | 'extract'): string {
    return `${kind}-${this.id}-${this.seq++}`;
  }

  private labels(): Record<string, string> {
    return { [STAGING_LABEL]: this.id };
  }
}
