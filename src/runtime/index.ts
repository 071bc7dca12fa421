// What other layers use of the runtime library: the built-in path's preparation (berthd's shim manager).
// The CLI (bin/runtime.ts) reaches its commands directly; everything else goes through here.
export {
  prepareContainer,
  releaseContainer,
  type PrepareOptions,
  type PreparedContainer,
} from './prepare.js';
export { readSpec } from './setup.js';
export { checkId } from './state/store.js';
export { initPath } from './init-process.js';
export { parseSignal, signalByName, SIGRTMAX, SIGRTMIN } from './signals.js';
export type { CgroupPaths } from './cgroups/index.js';
export {
  containerStats,
  cgroupPids,
  freezeCgroups,
  hostLayout,
  isFrozen,
  resolveCgroupPaths,
  thawCgroups,
  applyResources,
  type Stats,
} from './cgroups/index.js';
export { buildExecPlan } from './plan/exec.js';
export { encodePlan } from './plan/encode.js';
