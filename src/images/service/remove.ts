// Image removal with dockerd's rules and words (daemon/images/image_delete.go, ImageDelete):
//
//   by reference  the name is untagged; refused (must force) when it is the image's only repository and a
//                 container uses the image. When the last tag of a repository goes, that repository's digest
//                 references go with it. The image itself is deleted once nothing names it — quietly kept
//                 (as dangling) when a container still uses it.
//   by ID         every name is removed too when they are all of one repository with at most one tag;
//                 otherwise "referenced in multiple repositories" unless forced.
//   conflicts     hard (never forced): a running container uses the image; soft (forced away): other names,
//                 a stopped container uses it.
// Deleting drops the image's records and runs the garbage collector, which removes the blobs and the
// layer snapshots no other image or container keeps; those layers are reported as "Deleted" chain IDs.
import { BerthError } from '../../base/errors.js';
import type { Container, Image, Stores } from '../../metadata/index.js';
import { type Reference, familiarString, repositoryName } from '../reference/index.js';
import type { Found, ImageCatalog } from './catalog.js';
import { isDanglingName, referenceOfName, shortId } from './names.js';
import { keepIfUnnamed } from './references.js';
import type { LocalImage } from './types.js';

/** One line of docker's delete response. */
export type DeleteItem = { Untagged: string } | { Deleted: string };

/** What removal needs from the service. */
export interface RemoveContext {
  stores: Stores;
  ns: string;
  snapshotter: string;
  catalog: ImageCatalog;
}

/** Containers of the namespace that use `image` (by the image digest they recorded at create). */
export function containersUsing(ctx: RemoveContext, image: LocalImage): Container[] {
  const digests = new Set([image.id, ...image.records.map((r) => r.target.digest)]);
  return ctx.stores
    .containers(ctx.ns)
    .list()
    .filter((c) => c.imageDigest !== undefined && digests.has(c.imageDigest));
}

function isRunning(c: Container): boolean {
  return c.state === 'running' || c.state === 'paused' || c.state === 'restarting';
}

/** Removes what `found` names; see the file comment. */
export async function removeImage(
  ctx: RemoveContext,
  found: Found,
  opts: { force: boolean },
): Promise<DeleteItem[]> {
  const { image } = found;
  const items: DeleteItem[] = [];
  const images = ctx.stores.images(ctx.ns);
  let refs = namedRecords(image);
  const users = containersUsing(ctx, image);
  let removedLastName = false;
  if (found.record !== undefined && found.query.kind === 'reference' && !isDanglingName(found.record.name)) {
    if (!opts.force && isSingleReference(refs) && users[0] !== undefined)
      throw conflict(
        `conflict: unable to remove repository reference "${found.query.input}" (must force) - container ${shortId(users[0].id)} is using its referenced image ${shortId(image.id)}`,
      );
    const removed = found.record;
    images.delete(removed.name);
    items.push({ Untagged: shown(removed) });
    refs = refs.filter((r) => r.name !== removed.name);
    const ref = referenceOfName(removed.name);
    if (ref !== undefined && ref.digest === undefined) {
      // The repository's last tag went: its digest references go too.
      const sameRepo = (r: Image): boolean =>
        repositoryName(referenceOfName(r.name) as Reference) === repositoryName(ref);
      if (!refs.some((r) => referenceOfName(r.name)?.digest === undefined && sameRepo(r)))
        for (const r of refs.filter((r) => referenceOfName(r.name)?.digest !== undefined && sameRepo(r))) {
          images.delete(r.name);
          items.push({ Untagged: shown(r) });
        }
      refs = refs.filter((r) => images.list({ name: r.name }).length > 0);
    }
    if (refs.length > 0) return items;
    removedLastName = true;
  } else if (isSingleReference(refs)) {
    const running = users.find(isRunning);
    if (running) throw hard(image, `image is being used by running container ${shortId(running.id)}`);
    const stopped = users.find((c) => !isRunning(c));
    if (!opts.force && stopped)
      throw soft(image, `image is being used by stopped container ${shortId(stopped.id)}`);
    for (const r of refs) {
      images.delete(r.name);
      items.push({ Untagged: shown(r) });
    }
    refs = [];
  }
  // imageDeleteHelper: the image itself.
  const running = users.find(isRunning);
  const stopped = users.find((c) => !isRunning(c));
  const blocked = running
    ? hard(image, `image is being used by running container ${shortId(running.id)}`)
    : !opts.force && refs.length > 0
      ? soft(image, 'image is referenced in multiple repositories')
      : !opts.force && stopped
        ? soft(image, `image is being used by stopped container ${shortId(stopped.id)}`)
        : undefined;
  if (blocked) {
    // After its last name went, an image a container uses stays, as docker keeps it: dangling.
    if (removedLastName && users.length > 0) {
      await keepDangling(ctx, image);
      return items;
    }
    throw blocked;
  }
  for (const r of refs) {
    images.delete(r.name);
    items.push({ Untagged: shown(r) });
  }
  for (const r of image.records) if (images.list({ name: r.name }).length > 0) images.delete(r.name);
  // Forced past stopped containers: they keep what they run on (their image digest is a collector root).
  items.push({ Deleted: image.id }, ...(await collectLayers(ctx, [image])));
  ctx.catalog.invalidate();
  return items;
}

/** Runs the collector and names the given images' layers it removed, top first ("Deleted: <chain ID>"). */
export async function collectLayers(ctx: RemoveContext, gone: LocalImage[]): Promise<DeleteItem[]> {
  const report = await ctx.stores.collectGarbage();
  const removed = new Set(report.snapshots.map((s) => s.slice(`${ctx.ns}/${ctx.snapshotter}/`.length)));
  const items: DeleteItem[] = [];
  for (const image of gone)
    for (const chain of [...image.chainIds].reverse())
      if (removed.delete(chain)) items.push({ Deleted: chain });
  return items;
}

function keepDangling(ctx: RemoveContext, image: LocalImage): Promise<void> {
  return keepIfUnnamed(ctx, image.id, image.records[0] ?? { target: image.target, labels: {} });
}

/** The records that are names (tags and digest references), not dangling markers. */
export function namedRecords(image: LocalImage): Image[] {
  return image.records.filter((r) => !isDanglingName(r.name) && referenceOfName(r.name) !== undefined);
}

/** docker's isSingleReference: all of one repository and at most one tag; false for none. */
function isSingleReference(refs: Image[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const parsed = refs.map((r) => referenceOfName(r.name)).filter((r): r is Reference => r !== undefined);
  const tags = parsed.filter((r) => r.digest === undefined);
  if (tags.length > 1) return false;
  const digestRepos = new Set(parsed.filter((r) => r.digest !== undefined).map(repositoryName));
  const single = tags[0] ?? parsed[0];
  return single !== undefined && digestRepos.size === 1 && digestRepos.has(repositoryName(single));
}

function shown(record: Image): string {
  const ref = referenceOfName(record.name);
  return ref === undefined ? record.name : familiarString(ref);
}

function conflict(message: string): BerthError {
  return new BerthError('FailedPrecondition', message);
}

function hard(image: LocalImage, why: string): BerthError {
  return conflict(`conflict: unable to delete ${shortId(image.id)} (cannot be forced) - ${why}`);
}

function soft(image: LocalImage, why: string): BerthError {
  return conflict(`conflict: unable to delete ${shortId(image.id)} (must be forced) - ${why}`);
}
