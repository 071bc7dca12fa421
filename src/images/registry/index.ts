// The OCI distribution v2 client: the only file other folders import.
export { type ClientOptions, RegistryClient } from './client.js';
export {
  type Credential,
  type CredentialStore,
  DockerConfigCredentials,
  StaticCredentials,
  chainCredentials,
  dockerConfigPath,
} from './credentials.js';
export { type Endpoint, type HostsConfig, type RegistryHost, isLoopback } from './hosts.js';
export { type RetryPolicy, DEFAULT_RETRY, closeConnections } from './http.js';
export { type LayerUnpacker, type PulledLayer } from './layer-tee.js';
export { LayoutStore, blobPath, writeLayoutIndex } from './layout-store.js';
export { type ImageIndex, type ImageManifest, parseManifest } from './manifest.js';
export { getManifest, headManifest } from './manifest-fetch.js';
export { fetchBlob } from './blob-fetch.js';
export { verifyLogin } from './login.js';
export * from './media-types.js';
export {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  selectPlatform,
} from './platform.js';
export { type ImageConfig, type PullOptions, type PullResult, pull } from './pull.js';
export { type PushOptions, type PushResult, digestOf, push } from './push.js';
export type * from './types.js';
