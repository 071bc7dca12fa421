// The daemon's network service (service.ts): what other folders import.
export {
  bipSubnet,
  NetworkService,
  type ContainerAttachments,
  type EndpointConfig,
  type NetworkServiceOptions,
  type NetworkSettings,
  type NetworksPruneReport,
  type PublishEvent,
} from './service.js';
export { isPredefined, networkListFilter, networkPruneFilter } from './filters.js';
