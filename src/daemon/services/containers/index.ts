// The container service (types.ts has the terms and the lifecycle): what other folders import.
export { ContainerService, type ContainerServiceDeps } from './service.js';
export { StoreImageSource, familiarImageName, type ImageSource, type ResolvedImage } from './image-source.js';
export type { VolumeSource } from './volumes.js';
export { containerAttachments } from './networking.js';
export { readLogs, parseUnixNanos, type LogQuery, type LogRecord } from './logs.js';
export type { ExecConfig } from './exec.js';
export type { ContainerData } from './types.js';
