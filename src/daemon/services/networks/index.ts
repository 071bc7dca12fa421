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
export {
  networkModeOf,
  parsePortKey,
  planNetworking,
  portMappings,
  type AttachmentPlan,
  type NetworkPlan,
} from './container-plan.js';
export {
  networkSettings,
  portsShape,
  portSummaries,
  type ContainerNetworkFacts,
  type PortBindingShape,
  type PortSummary,
} from './container-shape.js';
