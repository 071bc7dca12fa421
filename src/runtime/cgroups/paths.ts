// Where a container's cgroups are: one directory per mounted hierarchy, from linux.cgroupsPath
// (config-linux.md "Cgroups Path"): absolute (from each hierarchy's root), relative (to the runtime's own
// cgroup), empty (`/<id>`), or with --systemd-cgroup the `slice:prefix:name` form (systemd.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcCgroup, type Layout } from './layout.js';
import { parseSystemdCgroupsPath } from './systemd.js';

/** Hierarchy key (`memory`, `cpu`, `net_cls,net_prio`, `name=systemd`, or '' for cgroup2) → the container's directory. */
export type CgroupPaths = Record<string, string>;

/** The container's cgroup directories for `cgroupsPath`. */
export function resolveCgroupPaths(
  cgroupsPath: string | undefined,
  id: string,
  layout: Layout,
  own: Map<string, string> = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8')),
  systemd = false,
): CgroupPaths {
  const path = systemd
    ? parseSystemdCgroupsPath(cgroupsPath, id).path
    : cgroupsPath && cgroupsPath !== ''
      ? cgroupsPath
      : `/${id}`;
  const paths: CgroupPaths = {};
  const at = (key: string, mountpoint: string): string =>
    path.startsWith('/') ? join(mountpoint, path) : join(mountpoint, own.get(key) ?? '/', path);
  for (const h of layout.v1) {
    const key = h.controllers.join(',');
    paths[key] = at(h.controllers[0]!, h.mountpoint);
  }
  if (layout.v2) paths[''] = at('', layout.v2.mountpoint);
  return paths;
}
