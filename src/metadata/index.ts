// The metadata module: the SQLite database (SCHEMA.md), namespaces, the records of images, containers
// and leases, namespaced views of the content store and snapshotters, and garbage collection.
export { openDatabase, schemaVersion, SCHEMA_VERSION } from './database.js';
export type { OpenOptions, SqliteDatabase } from './database.js';
export { MIGRATIONS } from './migrations.js';
export type { Migration } from './migrations.js';
export { checkNamespace, CRI_NAMESPACE, DOCKER_NAMESPACE, Namespaces } from './namespaces.js';
export type { Namespace } from './namespaces.js';
export { Images } from './images.js';
export type { Descriptor, Image, ImageFilter, NewImage } from './images.js';
export { Containers } from './containers.js';
export type { Container, ContainerState, ContainerUpdate, NewContainer } from './containers.js';
export { Networks } from './networks.js';
export type { Endpoint, Network, NewEndpoint, NewNetwork } from './networks.js';
export { Volumes } from './volumes.js';
export type { NewVolume, Volume, VolumeMount } from './volumes.js';
export { Leases } from './leases.js';
export type { Lease, LeaseResource, NewLease } from './leases.js';
export { NamespacedContentStore } from './content-store.js';
export { NamespacedSnapshotter } from './snapshot-store.js';
export { openStores, Stores } from './stores.js';
export type { OpenedStores, StoresOptions, ViewOptions } from './stores.js';
export { chainIds } from './gc-mark.js';
export type { Collectable, GcOptions, GcReport } from './gc.js';
