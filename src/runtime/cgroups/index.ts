// The cgroups module: layout detection, paths, creation, resources (v1, v2, hybrid), devices, freezer,
// stats and OOM events. Other folders import only this file.
export { applyResources, type ApplyOptions } from './apply.js';
export { deviceRules } from './devices.js';
export { freezeCgroups, isFrozen, thawCgroups } from './freezer.js';
export { hostLayout, parseLayout, parseProcCgroup, type Layout } from './layout.js';
export { cgroupExists, cgroupPids, createCgroups, destroyCgroups } from './manager.js';
export { resolveCgroupPaths, type CgroupPaths } from './paths.js';
export { resourceWarnings } from './resources-v1.js';
export { checkSystemdCgroup } from './systemd.js';
export { mergeResources } from './merge.js';
export { checkResources, isCpuList } from './validate.js';
export { watchOom, type OomWatcher } from './oom.js';
export { containerStats } from './stats.js';
export { eventLine, type Stats } from './stats-types.js';
