// The snapshots module: the Snapshotter interface (types.ts), the overlay and native implementations,
// and mounting helpers.
export type { Info, Kind, Mount, SnapshotOptions, Snapshotter, Usage, WalkFilter } from './types.js';
export { OverlaySnapshotter } from './overlay.js';
export { NativeSnapshotter } from './native.js';
export { checkOverlaySupport } from './overlay-support.js';
export type { OverlaySupport } from './overlay-support.js';
export {
  compactOverlayData,
  layerDir,
  MOUNT_DATA_MAX,
  mountAll,
  mountAllAsync,
  OVERLAY_MAX_LAYERS,
  unmountAll,
  unmountAllAsync,
} from './mount.js';
export { mountsUsing } from './mount-info.js';
export { fileBytes } from './disk-usage.js';
export { applyLabelPaths, checkLabels, MAX_LABEL_SIZE } from './labels.js';
export { openSnapshotter } from './select.js';
