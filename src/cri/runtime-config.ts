// RuntimeConfig (api.proto LinuxRuntimeConfiguration): kubelet must use the cgroup driver the runtime
// uses. Berth drives cgroupfs paths; the systemd driver needs systemd, which these hosts do not run.
import type { CriContext } from './context.js';

/** RuntimeConfig. */
export async function runtimeConfig(
  _req: object,
  _ctx: CriContext,
): Promise<{ linux: { cgroup_driver: 'CGROUPFS' } }> {
  return { linux: { cgroup_driver: 'CGROUPFS' } };
}
