// The OCI config of a pod's holder (berth-pause, native/pause/main.c): a process that owns the pod's
// namespaces and does nothing else. Its rootfs is a directory with the one static binary in it, read-only;
// it runs with no capabilities, no new privileges and Berth's default seccomp profile. The namespaces
// follow the pod's NamespaceOption (api.proto): NODE means the host's (hostNetwork/hostPID/hostIPC);
// otherwise the holder makes the pod's ipc, uts and pid namespaces, and joins the network namespace that
// src/network made, so that CNI has configured it before anything runs in it.
import type { Namespace, Spec } from '../../oci/runtime-spec.js';
import { OCI_VERSION } from '../../oci/runtime-spec.js';
import { defaultSeccompProfile } from '../../runtime/seccomp/index.js';
import type { NamespaceOption } from '../messages.js';

/** What the holder's config is made from. */
export interface HolderOptions {
  /** The pod's namespace choices (absent: all of them the pod's own). */
  namespaces: NamespaceOption;
  /** The bind-mounted netns to join; none with hostNetwork. */
  netnsPath?: string;
  /** The pod's hostname (uts namespace); ignored with hostNetwork, which shares the host's. */
  hostname?: string;
  /** linux.sysctls: applied inside the pod's namespaces. */
  sysctls: Record<string, string>;
  /** The cgroup the holder runs in. */
  cgroupsPath: string;
}

/** The holder binary's path inside its rootfs. */
export const HOLDER_BINARY = '/pause';

/** The holder's config.json. */
export function holderSpec(o: HolderOptions): Spec {
  const hostNetwork = o.namespaces.network === 'NODE';
  const namespaces: Namespace[] = [{ type: 'mount' }];
  if (!hostNetwork) {
    namespaces.push({ type: 'network', ...(o.netnsPath ? { path: o.netnsPath } : {}) });
    // containerd shares the host's uts namespace with a hostNetwork pod: the hostname is the node's.
    namespaces.push({ type: 'uts' });
  }
  if (o.namespaces.ipc !== 'NODE') namespaces.push({ type: 'ipc' });
  if (o.namespaces.pid !== 'NODE') namespaces.push({ type: 'pid' });
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: { uid: 65535, gid: 65535 },
      args: [HOLDER_BINARY],
      env: [],
      cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [], ambient: [] },
      noNewPrivileges: true,
      // oom_score_adj is left as inherited: lowering it needs CAP_SYS_RESOURCE (DESIGN.md "Platform facts").
    },
    root: { path: 'rootfs', readonly: true },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'noexec', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
    ],
    linux: {
      namespaces,
      cgroupsPath: o.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }], cpu: { shares: 2 } },
      // No capabilities: the profile's capability-gated groups (CAP_SYS_ADMIN's and others) stay closed.
      seccomp: defaultSeccompProfile([]),
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
      ...(Object.keys(o.sysctls).length ? { sysctl: { ...o.sysctls } } : {}),
    },
  };
  if (!hostNetwork && o.hostname) spec.hostname = o.hostname;
  return spec;
}
