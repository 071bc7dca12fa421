// CNI for Berth: running plugins per the spec (shared/specs/cni/SPEC.md) and keeping attachment records.
export { AttachmentCache, type AttachmentPhase, type AttachmentRecord } from './cache.js';
export { CniPluginError, DEFAULT_CNI_PATH, PluginExecutor, type PluginEnv } from './exec.js';
export {
  RUNTIME_VERSIONS,
  compareVersions,
  formatCniArgs,
  requestConfig,
  selectVersion,
  validateAttachment,
  validateConfList,
} from './request.js';
export { CniRunner, type AddOutcome } from './runner.js';
export type * from './types.js';
