// The image service (types.ts describes its terms): the only file other folders import.
export { ImageService, type ImageServiceOptions, type RegistryClientFactory } from './service.js';
export type { Found } from './catalog.js';
export type { DeleteItem } from './remove.js';
export type { HistoryItem } from './history.js';
export type { PullEvent, PullOptions, PullOutcome } from './pull.js';
export type { PushEvent } from './push.js';
export type { DistributionInfo } from './distribution.js';
export type { PruneReport } from './prune.js';
export {
  LIST_FILTERS,
  PRUNE_FILTERS,
  boolFilter,
  checkFilters,
  createdMs,
  isDangling,
  matchesLabels,
  matchesReference,
  timeFilter,
} from './list-filters.js';
export { isDanglingName, shortId } from './names.js';
export type * from './types.js';
