// Berth's networking library: bridge networks on real CNI plugins, sandboxes, endpoints, published ports,
// isolation and DNS. berthd holds one NetworkManager (types.ts describes the lifecycle; STATE.md the disk).
export type { NetworkManagerOptions } from './context.js';
export { DEFAULT_CNI_PATH } from './cni/exec.js';
export { DEFAULT_ADDRESS_POOLS, type AddressPool } from './ipam/pool.js';
export { NetworkManager } from './manager.js';
export { DEFAULT_BRIDGE_DEVICE } from './networks.js';
export type { RecoveryReport } from './recovery.js';
export { JsonNetworkStore, type NetworkStore } from './store.js';
export type * from './types.js';
export { BRIDGE_OPTIONS, PREDEFINED_NETWORKS } from './validate.js';
export { DnsService, type DnsServiceOptions, type Upstream } from './dns/index.js';
export {
  createRequestFromDocker,
  dockerEndpointSettings,
  dockerNetwork,
  type DockerEndpointSettings,
  type DockerNetwork,
  type DockerNetworkCreate,
} from './docker-shape.js';
