// docker image prune (POST /images/prune; dockerd's image_prune.go): images no container uses, only the
// untagged ones unless dangling=false, narrowed by until= and label filters; each is removed with all its
// names. SpaceReclaimed counts the layers the collector removed.
import type { ImageCatalog } from './catalog.js';
import { type LocalImage } from './types.js';
import {
  PRUNE_FILTERS,
  boolFilter,
  checkFilters,
  createdMs,
  isDangling,
  matchesLabels,
  timeFilter,
} from './list-filters.js';
import { type DeleteItem, type RemoveContext, containersUsing, removeImage } from './remove.js';

/** What a prune removed. */
export interface PruneReport {
  ImagesDeleted: DeleteItem[];
  SpaceReclaimed: number;
}

/** Prunes with `filters`; `sizes` gives an image's layer sizes (bottom first). */
export async function pruneImages(
  ctx: RemoveContext & { catalog: ImageCatalog },
  filters: Map<string, string[]>,
  sizes: (image: LocalImage) => Promise<number[]>,
): Promise<PruneReport> {
  checkFilters(filters, PRUNE_FILTERS);
  const danglingOnly = boolFilter(filters, 'dangling') ?? true;
  const until = filters.get('until')?.map((v) => timeFilter(v, 'until'));
  const candidates = (await ctx.catalog.all()).filter(
    (image) =>
      (!danglingOnly || isDangling(image)) &&
      matchesLabels(image, filters) &&
      (until === undefined || until.every((u) => createdMs(image) < u)) &&
      containersUsing(ctx, image).length === 0,
  );
  const chainSize = new Map<string, number>();
  for (const image of candidates) {
    const s = await sizes(image);
    image.chainIds.forEach((c, i) => chainSize.set(c, s[i] ?? 0));
  }
  const deleted: DeleteItem[] = [];
  for (const image of candidates) {
    // Unused: forcing only lifts the "referenced in multiple repositories" refusal.
    const items = await removeImage(
      ctx,
      { image, query: { kind: 'id', id: image.id, input: image.id } },
      { force: true },
    );
    deleted.push(...items);
  }
  let reclaimed = 0;
  for (const item of deleted) if ('Deleted' in item) reclaimed += chainSize.get(item.Deleted) ?? 0;
  return { ImagesDeleted: deleted, SpaceReclaimed: reclaimed };
}
