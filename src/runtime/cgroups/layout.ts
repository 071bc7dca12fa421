// Finds how cgroups are mounted on this host: v1 hierarchies, a cgroup2 mount, or both (hybrid).
import { readFileSync } from 'node:fs';

/** One mounted cgroup hierarchy. */
export interface Hierarchy {
  /** `cgroup` (v1) or `cgroup2`. */
  fstype: 'cgroup' | 'cgroup2';
  /** Where it is mounted (`/sys/fs/cgroup/memory`). */
  mountpoint: string;
  /** v1 controllers it carries (`["cpu","cpuacct"]`), or the named hierarchy (`name=systemd`). */
  controllers: string[];
  /** The cgroup path of the mount's root within the hierarchy (usually `/`). */
  root: string;
}

/** The host's cgroup layout. */
export interface Layout {
  v1: Hierarchy[];
  v2?: Hierarchy;
  /** true when v2 is the only hierarchy (the norm on modern hosts). */
  unifiedOnly: boolean;
}

const V1_OPTIONS_THAT_ARE_NOT_CONTROLLERS = new Set([
  'rw',
  'ro',
  'relatime',
  'nosuid',
  'nodev',
  'noexec',
  'xattr',
  'clone_children',
  'noprefix',
]);

/** Parses /proc/self/mountinfo text into the cgroup layout (pure; see mountinfo(5)). */
export function parseLayout(mountinfo: string): Layout {
  const v1: Hierarchy[] = [];
  let v2: Hierarchy | undefined;
  const seen = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    const root = pre[3] ?? '/';
    const mountpoint = unescape(pre[4] ?? '');
    if (fstype === 'cgroup2') {
      if (!v2) v2 = { fstype: 'cgroup2', mountpoint, controllers: [], root };
    } else if (fstype === 'cgroup') {
      const controllers = (post[2] ?? '')
        .split(',')
        .filter((o) => !V1_OPTIONS_THAT_ARE_NOT_CONTROLLERS.has(o) && !o.startsWith('release_agent='));
      const key = controllers.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      v1.push({ fstype: 'cgroup', mountpoint, controllers, root });
    }
  }
  return { v1, v2, unifiedOnly: v1.length === 0 && v2 !== undefined };
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

let cached: Layout | undefined;

/** This host's layout (read once per process). */
export function hostLayout(): Layout {
  cached ??= parseLayout(readFileSync('/proc/self/mountinfo', 'utf8'));
  return cached;
}

/** Parses /proc/<pid>/cgroup: hierarchy key (`memory`, `name=systemd`, or '' for v2) → path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const key of m[1]!.split(',')) out.set(key, m[2]!);
  }
  return out;
}
