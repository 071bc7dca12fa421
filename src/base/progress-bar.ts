// docker's progress bar text (moby pkg/jsonmessage JSONProgress.String()), which dockerd puts in its
// streams' "progress" field and the CLI draws on a terminal: 50 cells of "=" ending in ">" when the width
// is over 110 columns, then current/total in decimal units (go-units HumanSize, four digits).
import { humanSize } from './human-units.js';

/** The bar for `current` of `total` bytes at terminal width `width`; "" when there is nothing to show. */
export function progressBar(current: number, total: number, width: number): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current, 4).padStart(8);
  const percentage = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = width > 110 ? `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] ` : '';
  const numbers =
    current > total
      ? humanSize(current, 4).padStart(8)
      : `${humanSize(current, 4).padStart(8)}/${humanSize(total, 4)}`;
  return bar + numbers;
}
