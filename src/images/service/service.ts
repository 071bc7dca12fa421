// The image service: one per daemon and namespace, over the stores of one root (see types.ts for the
// terms and the part the container service uses). Each verb lives in its own file; this class holds what
// they share — the stores, the catalog of images, the registry client factory, the layer size cache —
// and keeps the image count that /info reports.
import type { Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import type { Mount } from '../../snapshots/index.js';
import { DOCKER_NAMESPACE, type Stores } from '../../metadata/index.js';
import { parseNormalized } from '../reference/index.js';
import { type DistributionInfo, inspectDistribution } from './distribution.js';
import { type Credential, type Platform, type RegistryClient, verifyLogin } from '../registry/index.js';
import { type Found, ImageCatalog, TAGGED_LABEL } from './catalog.js';
import { type HistoryItem, imageHistory } from './history.js';
import { STAGING_LABEL } from './layer-stager.js';
import { recordName } from './names.js';
import { type PullOptions, type PullOutcome, pullImage } from './pull.js';
import { type PushEvent, pushImage } from './push.js';
import { type PruneReport, pruneImages } from './prune.js';
import { loadArchive } from './load.js';
import { planSave, saveArchive } from './save.js';
import { setReference } from './references.js';
import { type DeleteItem, containersUsing, removeImage } from './remove.js';
import type { LocalImage } from './types.js';

/** Makes a registry client for a registry host, with the request's credential if it brought one. */
export type RegistryClientFactory = (domain: string, credential?: Credential) => RegistryClient;

/** How the service is set up. */
export interface ImageServiceOptions {
  stores: Stores;
  /** The snapshotter name the stores were opened with ("overlay" or "native"). */
  snapshotter: string;
  registry: RegistryClientFactory;
  /** Default "moby", the Docker API's namespace. */
  namespace?: string;
}

/** The image service; see the file comment. */
export class ImageService {
  readonly stores: Stores;
  readonly ns: string;
  readonly snapshotter: string;
  readonly catalog: ImageCatalog;
  private readonly registry: RegistryClientFactory;
  private readonly sizes = new Map<string, number>();
  private count = 0;

  private constructor(opts: ImageServiceOptions) {
    this.stores = opts.stores;
    this.ns = opts.namespace ?? DOCKER_NAMESPACE;
    this.snapshotter = opts.snapshotter;
    this.registry = opts.registry;
    this.catalog = new ImageCatalog(this.stores, this.ns);
  }

  /** Opens the service and clears what a crashed pull left half-made (recover()). */
  static async open(opts: ImageServiceOptions): Promise<ImageService> {
    const service = new ImageService(opts);
    await service.recover();
    await service.refreshCount();
    return service;
  }

  /**
   * Removes staging and extract snapshots no running pull owns: at start none runs, so all of them are a
   * crash's leftovers (their layers are unpacked again from the stored blobs by the next pull). Returns
   * how many were removed.
   */
  async recover(): Promise<number> {
    const sn = this.snapshots();
    const leftovers: string[] = [];
    await sn.walk((info) => {
      if (info.kind !== 'committed' && info.labels[STAGING_LABEL] !== undefined) leftovers.push(info.name);
    });
    for (const key of leftovers) await sn.remove(key);
    return leftovers.length;
  }

  /** How many images there are (for /info; kept current by the verbs that change it). */
  imageCount(): number {
    return this.count;
  }

  /** Every image. */
  list(): Promise<LocalImage[]> {
    return this.catalog.all();
  }

  /** The image a user's name or ID means (docker's GetImage); NotFound "No such image: x". */
  async find(name: string): Promise<Found> {
    return this.catalog.find(name);
  }

  /** The image `name` refers to (for the container service: see types.ts). */
  async resolve(name: string): Promise<LocalImage> {
    return (await this.catalog.find(name)).image;
  }

  /** Makes the active snapshot `key` on the image's top layer: a container's writable root filesystem. */
  async prepareRootfs(key: string, image: LocalImage, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.snapshots().prepare(key, image.chainIds[image.chainIds.length - 1], { labels });
  }

  /** Pulls a reference from its registry; `credential` is the request's X-Registry-Auth. */
  async pull(input: string, opts: PullOptions & { credential?: Credential } = {}): Promise<PullOutcome> {
    const reference = parseNormalized(input);
    try {
      return await pullImage(
        {
          stores: this.stores,
          ns: this.ns,
          snapshotter: this.snapshotter,
          overlay: this.snapshotter === 'overlay',
          catalog: this.catalog,
          client: this.registry(reference.domain, opts.credential),
        },
        input,
        opts,
      );
    } finally {
      await this.refreshCount();
    }
  }

  /** What the registry holds for a reference (GET /distribution/{name}/json); stores nothing. */
  async inspectRemote(input: string, credential?: Credential): Promise<DistributionInfo> {
    const reference = parseNormalized(input);
    return inspectDistribution(this.registry(reference.domain, credential), reference);
  }

  /** Pushes tag `tag` of repository `name` (all its tags when empty); see push.ts. */
  async push(
    name: string,
    tag: string,
    opts: { credential?: Credential; onEvent?: (e: PushEvent) => void } = {},
  ): Promise<void> {
    const domain = parseNormalized(name).domain;
    const client = this.registry(domain, opts.credential);
    await pushImage(
      { stores: this.stores, ns: this.ns, catalog: this.catalog, client },
      name,
      tag,
      opts.onEvent,
    );
  }

  /** Checks `credential` against the registry at `domain` (POST /auth, `berth login`). */
  async login(domain: string, credential: Credential | undefined): Promise<void> {
    await verifyLogin(this.registry(domain, credential), domain);
  }

  /** docker tag: points `target` (a reference without digest) at the image `source` names. */
  async tag(source: string, target: string): Promise<void> {
    const { image } = await this.find(source);
    let ref;
    try {
      ref = parseNormalized(target);
    } catch (err) {
      throw new BerthError('InvalidArgument', (err as Error).message);
    }
    if (ref.digest !== undefined)
      throw new BerthError('InvalidArgument', 'refusing to create a tag with a digest reference');
    await setReference(this.context(), recordName(ref), image.target, {
      [TAGGED_LABEL]: new Date().toISOString(),
    });
    this.catalog.invalidate();
    await this.refreshCount();
  }

  /** docker rmi (see remove.ts). */
  async remove(name: string, opts: { force: boolean }): Promise<DeleteItem[]> {
    try {
      return await removeImage(this.context(), await this.find(name), opts);
    } finally {
      await this.refreshCount();
    }
  }

  /** docker save of `names` (see save.ts); the names are resolved before the archive starts. */
  async save(names: string[]): Promise<Readable> {
    const items = await planSave(this.context(), names);
    return saveArchive(this.context(), items);
  }

  /** docker load of an archive (see load.ts); `say` receives docker's "Loaded image: ..." lines. */
  async load(input: AsyncIterable<Buffer>, say: (line: string) => void): Promise<void> {
    try {
      await loadArchive({ ...this.context(), overlay: this.snapshotter === 'overlay' }, input, say);
    } finally {
      await this.refreshCount();
    }
  }

  /** docker image prune (see prune.ts). */
  async prune(filters: Map<string, string[]>): Promise<PruneReport> {
    try {
      return await pruneImages(this.context(), filters, (image) => this.layerSizes(image));
    } finally {
      await this.refreshCount();
    }
  }

  /** The history of the image `name` names. */
  async history(name: string): Promise<HistoryItem[]> {
    const { image } = await this.find(name);
    return imageHistory(image, await this.layerSizes(image));
  }

  /** The unpacked size of each layer, bottom first (a layer not unpacked counts its blob's size). */
  async layerSizes(image: LocalImage): Promise<number[]> {
    const sn = this.snapshots();
    const out: number[] = [];
    for (const [i, chain] of image.chainIds.entries()) {
      let size = this.sizes.get(chain);
      if (size === undefined) {
        size = await sn
          .usage(chain)
          .then((u) => u.size)
          .catch(() => undefined);
        if (size !== undefined) this.sizes.set(chain, size);
      }
      out.push(size ?? image.manifest.layers[i]?.size ?? 0);
    }
    return out;
  }

  /** The image's size: all its layers. */
  async size(image: LocalImage): Promise<number> {
    return (await this.layerSizes(image)).reduce((a, b) => a + b, 0);
  }

  /** How many containers of the namespace use the image. */
  containerCount(image: LocalImage): number {
    return containersUsing(this.context(), image).length;
  }

  /** The namespace's view of the snapshotter. */
  snapshots(): ReturnType<Stores['snapshotter']> {
    return this.stores.snapshotter(this.ns, this.snapshotter);
  }

  /** The shared parts, for the verbs' files. */
  context(): { stores: Stores; ns: string; snapshotter: string; catalog: ImageCatalog } {
    return { stores: this.stores, ns: this.ns, snapshotter: this.snapshotter, catalog: this.catalog };
  }

  /** A registry client for `domain`. */
  client(domain: string, credential?: Credential): RegistryClient {
    return this.registry(domain, credential);
  }

  /** Recounts the images. */
  async refreshCount(): Promise<void> {
    this.count = (await this.catalog.all()).length;
  }
}

/** A platform chosen by a request, or undefined for the host's. */
export type RequestedPlatform = Platform | undefined;
