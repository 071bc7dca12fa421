// The images of a namespace as docker sees them: the records (names → targets) grouped by the config their
// target resolves to (the image ID), and docker's lookup of a name the user typed (GetImage: a reference,
// then an image ID or a unique ID prefix). Targets are resolved from the content store: an index to the
// platform manifest held locally (the host's platform first), a manifest to its config. Content is
// immutable, so resolutions are cached by target digest until something new arrives (invalidate()).
import { BerthError } from '../../base/errors.js';
import { type Image, type Stores, chainIds } from '../../metadata/index.js';
import { type Reference, repositoryName } from '../reference/index.js';
import {
  type ImageManifest,
  type Platform,
  formatPlatform,
  hostPlatform,
  parseManifest,
  parsePlatform,
  selectPlatform,
} from '../registry/index.js';
import {
  type ImageQuery,
  isDanglingName,
  noSuchImage,
  parseImageQuery,
  recordName,
  referenceOfName,
} from './names.js';
import type { Descriptor, ImageConfigDoc, LocalImage } from './types.js';

/** The label `tag` sets on the records it makes: when (docker's Metadata.LastTagTime). */
export const TAGGED_LABEL = 'berth.io/tagged';
/**
 * The label of a record pulled for a platform asked for ("linux/arm64"): its index resolves to that
 * platform's manifest rather than the host's, so the name means that image, as after docker's
 * `pull --platform`.
 */
export const PLATFORM_LABEL = 'berth.io/platform';

/** The platform a record's label asks for, if any. */
export function recordPlatform(record: Pick<Image, 'labels'>): Platform | undefined {
  const value = record.labels[PLATFORM_LABEL];
  if (value === undefined) return undefined;
  try {
    return parsePlatform(value);
  } catch {
    return undefined;
  }
}

/** A target resolved to the manifest and config held locally. */
export interface Resolved {
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  configDescriptor: Descriptor;
  config: ImageConfigDoc;
  diffIds: string[];
  chainIds: string[];
}

/** What find() found: the image, how the user named it, and the record the name is (for a reference). */
export interface Found {
  image: LocalImage;
  query: ImageQuery;
  /** The record the reference names, when the query was a reference. */
  record?: Image;
}

/** A namespace's images; see the file comment. */
export class ImageCatalog {
  private readonly cache = new Map<string, Resolved>();

  constructor(
    private readonly stores: Stores,
    private readonly ns: string,
  ) {}

  /** Forgets cached resolutions (after a pull or load added manifests to indexes already known). */
  invalidate(): void {
    this.cache.clear();
  }

  /** The namespace's records. */
  records(): Image[] {
    return this.stores.images(this.ns).list();
  }

  /**
   * Resolves a target to a platform manifest and config held locally; `platform` narrows an index (an error
   * when nothing matches). Undefined when the content is not (or no longer) there.
   */
  async resolve(target: Descriptor, platform?: Platform): Promise<Resolved | undefined> {
    const key = `${target.digest}|${platform === undefined ? '' : formatPlatform(platform)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const content = this.stores.content(this.ns);
    const bytes = await readIfPresent(content.readBlob(target.digest));
    if (bytes === undefined) return undefined;
    let parsed = parseManifest(bytes, target.mediaType, `image "${target.digest}"`);
    let manifestDescriptor = target;
    if (parsed.kind === 'index') {
      const held: Descriptor[] = [];
      for (const m of parsed.index.manifests)
        if (
          m.platform !== undefined &&
          m.platform.os !== 'unknown' &&
          (await isPresent(content.info(m.digest)))
        )
          held.push(m);
      if (held.length === 0) return undefined;
      const chosen =
        platform !== undefined
          ? selectPlatform(held, platform, `image "${target.digest}"`)
          : (tryPlatform(held, hostPlatform()) ?? held[0]!);
      const child = await readIfPresent(content.readBlob(chosen.digest));
      if (child === undefined) return undefined;
      parsed = parseManifest(child, chosen.mediaType, `manifest "${chosen.digest}"`);
      if (parsed.kind !== 'manifest') return undefined;
      manifestDescriptor = { mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.size };
    }
    const manifest = parsed.manifest;
    const configBytes = await readIfPresent(content.readBlob(manifest.config.digest));
    if (configBytes === undefined) return undefined;
    let config: ImageConfigDoc;
    try {
      config = JSON.parse(configBytes.toString('utf8')) as ImageConfigDoc;
    } catch {
      return undefined;
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    const resolved: Resolved = {
      manifestDescriptor,
      manifest,
      configDescriptor: {
        mediaType: manifest.config.mediaType,
        digest: manifest.config.digest,
        size: manifest.config.size,
      },
      config,
      diffIds,
      chainIds: chainIds(config as Record<string, unknown>),
    };
    this.cache.set(key, resolved);
    return resolved;
  }

  /** What a record's target resolves to (for its platform label), or undefined when it cannot be. */
  async resolveRecord(record: Pick<Image, 'target' | 'labels'>): Promise<Resolved | undefined> {
    return this.resolve(record.target, recordPlatform(record)).catch(() => undefined);
  }

  /** The image ID a record names, or undefined when its content is gone. */
  async idOf(record: Pick<Image, 'target' | 'labels'>): Promise<string | undefined> {
    return (await this.resolveRecord(record))?.configDescriptor.digest;
  }

  /** Every image, by ID; records whose content is gone are passed over. */
  async all(): Promise<LocalImage[]> {
    const byId = new Map<string, { resolved: Resolved; records: Image[] }>();
    for (const record of this.records()) {
      const resolved = await this.resolveRecord(record);
      if (resolved === undefined) continue;
      const id = resolved.configDescriptor.digest;
      const entry = byId.get(id) ?? { resolved, records: [] };
      entry.records.push(record);
      byId.set(id, entry);
    }
    return [...byId.values()].map(({ resolved, records }) => toLocalImage(resolved, records));
  }

  /** The image with ID `id`, if any. */
  async byId(id: string): Promise<LocalImage | undefined> {
    return (await this.all()).find((i) => i.id === id);
  }

  /** docker's GetImage: NotFound "No such image: x" when nothing matches. */
  async find(input: string): Promise<Found> {
    const query = parseImageQuery(input);
    const images = await this.all();
    if (query.kind === 'id') {
      const image = byIdOrPrefix(images, query.id);
      if (image) return { image, query };
      throw noSuchImage(query);
    }
    const found = findByReference(images, query.reference);
    if (found) return { ...found, query };
    if (query.idPrefix !== undefined) {
      const image = byIdOrPrefix(images, query.idPrefix);
      if (image) return { image, query };
    }
    throw noSuchImage(query);
  }
}

function findByReference(
  images: LocalImage[],
  ref: Reference,
): { image: LocalImage; record: Image } | undefined {
  if (ref.digest !== undefined) {
    const exact = `${repositoryName(ref)}@${ref.digest}`;
    for (const image of images) {
      const record = image.records.find((r) => r.name === exact);
      if (record) return { image, record };
    }
    // Any record of the repository whose target has the digest (a tag pulled by that digest).
    for (const image of images) {
      const record = image.records.find((r) => r.target.digest === ref.digest && sameRepository(r.name, ref));
      if (record) return { image, record };
    }
    return undefined;
  }
  const name = recordName(ref);
  for (const image of images) {
    const record = image.records.find((r) => r.name === name);
    if (record) return { image, record };
  }
  return undefined;
}

function sameRepository(name: string, ref: Reference): boolean {
  const other = referenceOfName(name);
  return other !== undefined && repositoryName(other) === repositoryName(ref);
}

/** An image by full ID, or by a prefix of its hex that no other image shares (docker's digestset). */
function byIdOrPrefix(images: LocalImage[], id: string): LocalImage | undefined {
  const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  const matches = images.filter((i) => i.id.slice('sha256:'.length).startsWith(hex));
  return matches.length === 1 ? matches[0] : undefined;
}

function toLocalImage(resolved: Resolved, records: Image[]): LocalImage {
  const sorted = [...records].sort((a, b) => a.name.localeCompare(b.name));
  const tags: Reference[] = [];
  const digests: Reference[] = [];
  let lastTagTime: Date | undefined;
  for (const r of sorted) {
    const ref = referenceOfName(r.name);
    if (ref === undefined) continue;
    if (ref.digest !== undefined) digests.push(ref);
    else if (ref.tag !== undefined) tags.push(ref);
    const tagged = r.labels[TAGGED_LABEL];
    if (tagged !== undefined) {
      const t = new Date(tagged);
      if (!lastTagTime || t > lastTagTime) lastTagTime = t;
    }
  }
  const primary =
    sorted.find((r) => !isDanglingName(r.name) && referenceOfName(r.name)?.tag !== undefined) ??
    sorted.find((r) => !isDanglingName(r.name)) ??
    sorted[0]!;
  return {
    id: resolved.configDescriptor.digest,
    config: resolved.config,
    configDescriptor: resolved.configDescriptor,
    target: primary.target,
    manifestDescriptor: resolved.manifestDescriptor,
    manifest: resolved.manifest,
    records: sorted,
    tags,
    digests,
    diffIds: resolved.diffIds,
    chainIds: resolved.chainIds,
    ...(lastTagTime ? { lastTagTime } : {}),
  };
}

function tryPlatform(held: Descriptor[], p: Platform): Descriptor | undefined {
  try {
    return selectPlatform(held, p, 'index');
  } catch {
    return undefined;
  }
}

async function readIfPresent(p: Promise<Buffer>): Promise<Buffer | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof BerthError && err.code === 'NotFound') return undefined;
    throw err;
  }
}

async function isPresent(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch {
    return false;
  }
}
