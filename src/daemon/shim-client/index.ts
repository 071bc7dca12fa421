// The shim manager: what the daemon uses to run containers through berth-shim (types.ts: the lifecycle).
export {
  ShimManager,
  shimPath,
  signalNumber,
  type AttachOptions,
  type ShimManagerOptions,
} from './manager.js';
export { ShimConnection, parseExitStatus } from './connection.js';
export type { ExecOptions } from './create.js';
export type {
  CreateOptions,
  ExitStatus,
  LogOptions,
  ShimRecord,
  ShimRuntime,
  ShimState,
  ShimStatus,
} from './types.js';
