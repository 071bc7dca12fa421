// An image's history as `docker history` shows it (daemon/images/image_history.go): the config's history
// entries, newest first; each entry that made a layer (not empty_layer) gets that layer's size, counted
// from the bottom; the newest entry carries the image ID and tags, the others "<missing>" (their
// intermediate images are not kept, as after any pull).
import { familiarString } from '../reference/index.js';
import type { HistoryEntry, LocalImage } from './types.js';

/** One row of the history (Engine API HistoryResponseItem). */
export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** The history of `image`, whose layers have sizes `layerSizes` (bottom first). */
export function imageHistory(image: LocalImage, layerSizes: number[]): HistoryItem[] {
  const entries: HistoryEntry[] =
    image.config.history && image.config.history.length > 0
      ? image.config.history
      : image.diffIds.map(() => ({ created: image.config.created ?? '' })); // no history: one row per layer
  let layer = 0;
  const rows = entries.map((h): HistoryItem => {
    const size = h.empty_layer === true ? 0 : (layerSizes[layer++] ?? 0);
    const created = h.created === undefined ? NaN : Date.parse(h.created);
    return {
      Id: '<missing>',
      Created: Number.isNaN(created) ? 0 : Math.floor(created / 1000),
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    };
  });
  rows.reverse();
  if (rows[0] !== undefined) {
    rows[0].Id = image.id;
    rows[0].Tags = image.tags.map((t) => familiarString(t));
  }
  return rows;
}
