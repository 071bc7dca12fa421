// Labels on snapshots and content: string → string maps, validated and updated as containerd's are
// (containerd/labels/validate.go: a key of at most 4096 bytes together with its value).
import { BerthError } from '../base/errors.js';

/** The most bytes a label's key and value may hold together (containerd's maxSize). */
export const MAX_LABEL_SIZE = 4096;

/** Checks every label of `labels` (of `owner`, e.g. `snapshot "x"`) and returns them. */
export function checkLabels(labels: Record<string, string>, owner: string): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (key === '') throw new BerthError('InvalidArgument', `${owner}: label key must not be empty`);
    if (typeof value !== 'string')
      throw new BerthError('InvalidArgument', `${owner}: label "${key}": value must be a string`);
    if (Buffer.byteLength(key) + Buffer.byteLength(value) > MAX_LABEL_SIZE)
      throw new BerthError(
        'InvalidArgument',
        `${owner}: label "${key.slice(0, 64)}": longer than ${MAX_LABEL_SIZE} bytes`,
      );
  }
  return labels;
}

/**
 * Applies a label update by field paths, as containerd's Update does: no paths or "labels" replaces all
 * labels; "labels.<key>" sets that label from `labels`, or removes it when `labels` lacks it.
 */
export function applyLabelPaths(
  current: Record<string, string>,
  labels: Record<string, string>,
  fieldpaths: string[] | undefined,
): Record<string, string> {
  if (!fieldpaths || fieldpaths.length === 0 || fieldpaths.includes('labels')) return { ...labels };
  const next = { ...current };
  for (const path of fieldpaths) {
    if (!path.startsWith('labels.'))
      throw new BerthError(
        'InvalidArgument',
        `field path "${path}": only "labels" and "labels.<key>" can be updated`,
      );
    const key = path.slice('labels.'.length);
    const value = labels[key];
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next;
}
