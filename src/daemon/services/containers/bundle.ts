// A container's bundle, <root>/containers/<id>/ (types.ts): the snapshot mounted on rootfs/, the
// hostname, hosts and resolv.conf files bound into it, the user's mounts resolved (binds checked,
// volumes made), the namespaces chosen from the HostConfig modes, and config.json written atomically.
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname as hostHostname } from 'node:os';
import { join, posix } from 'node:path';
import type { ContainerConfig, HostConfig } from '../../../../api/docker/container.js';
import { atomicWriteFile } from '../../../base/atomic-write.js';
import { BerthError } from '../../../base/errors.js';
import type { Mount, Spec } from '../../../oci/runtime-spec.js';
import { mountAllAsync, unmountAllAsync, type Mount as SnapshotMount } from '../../../snapshots/index.js';
import type { ServiceContext } from './context.js';
import { hostnameFile, hostsFile, parseExtraHost, parseResolvConf, resolvConfFile } from './etc-files.js';
import { mountRequests, ociMount, type MountRequest } from './mounts.js';
import type { ContainerSecurity } from './security.js';
import { containerSpec, type NamespaceChoice } from './spec.js';
import type { MountPoint } from './types.js';
import { networkNamespace } from './networking.js';
import type { NetworkPlan } from '../networks/index.js';
import { volumesFromRequests } from './volumes-from.js';
import { resolveUserInRootfs } from './user.js';

/** tini, as Debian's docker.io installs it for `docker run --init`. */
export const INIT_BINARY = '/usr/bin/docker-init';

/** Mounts the container's snapshot on `rootfs`. */
export async function mountRootfs(mounts: SnapshotMount[], rootfs: string): Promise<void> {
  await mkdir(rootfs, { recursive: true, mode: 0o755 });
  await mountAllAsync(mounts, rootfs);
}

/** Unmounts the container's rootfs (no error if it is not mounted). */
export function releaseRootfs(rootfs: string): Promise<void> {
  return unmountAllAsync(rootfs);
}

/** What writeBundle needs. */
export interface BundleInput {
  id: string;
  bundle: string;
  rootfs: string;
  config: ContainerConfig;
  host: HostConfig;
  security: ContainerSecurity;
  /** Names of the volumes this create made (removed again if create fails). */
  volumesMade: string[];
  /** The networking create decided (networking.ts). */
  network: NetworkPlan;
}

/** A namespace mode (`host`, `container:<ref>`, or the container's own). */
function namespaceOf(
  ctx: ServiceContext,
  mode: string | undefined,
  ns: string,
  what: string,
): NamespaceChoice {
  if (
    !mode ||
    mode === 'private' ||
    mode === 'shareable' ||
    mode === 'none' ||
    mode === 'default' ||
    mode === 'bridge'
  )
    return 'private';
  if (mode === 'host') return 'host';
  const m = /^container:(.+)$/.exec(mode);
  if (!m) throw new BerthError('InvalidArgument', `invalid ${what} mode: ${mode}`);
  const other = ctx.find(m[1]!);
  if (other.state !== 'running' || !other.pid)
    throw new BerthError(
      'FailedPrecondition',
      `cannot join ${what} namespace of a non running container: container ${other.id} is ${other.state}`,
    );
  return { path: `/proc/${other.pid}/ns/${ns}` };
}

/** Refuses a path inside the rootfs that goes through a symlink (copy-up must not leave the rootfs). */
function plainPathInRootfs(rootfs: string, dest: string): string | undefined {
  let path = rootfs;
  for (const part of dest.split('/').filter(Boolean)) {
    path = join(path, part);
    try {
      if (lstatSync(path).isSymbolicLink()) return undefined;
    } catch {
      return undefined;
    }
  }
  return path;
}

/** The OCI mount and the inspect MountPoint of one request. */
function resolveMount(
  ctx: ServiceContext,
  req: MountRequest,
  input: BundleInput,
): { mount: Mount; point: MountPoint } {
  const mode = req.readOnly ? 'ro' : req.type === 'bind' ? '' : 'z';
  if (req.type === 'tmpfs') {
    const mount = ociMount(req, '');
    return {
      mount,
      point: {
        Type: 'tmpfs',
        Source: '',
        Destination: req.destination,
        Mode: '',
        RW: !req.readOnly,
        Propagation: '',
      },
    };
  }
  if (req.type === 'bind') {
    if (!existsSync(req.source)) {
      if (!req.createSource)
        throw new BerthError(
          'InvalidArgument',
          `invalid mount config for type "bind": bind source path does not exist: ${req.source}`,
        );
      mkdirSync(req.source, { recursive: true, mode: 0o755 });
    }
    const mount = ociMount(req, req.source);
    const propagation = mount.options!.find(
      (o) => o.endsWith('private') || o.endsWith('shared') || o.endsWith('slave'),
    );
    return {
      mount,
      point: {
        Type: 'bind',
        Source: req.source,
        Destination: req.destination,
        Mode: mode,
        RW: !req.readOnly,
        Propagation: propagation ?? 'rprivate',
      },
    };
  }
  const volume = ctx.volumes.prepare(req.source);
  if (volume.created) input.volumesMade.push(volume.name);
  ctx.volumes.use(input.id, volume.name, req.destination, req.readOnly);
  if (!req.noCopy) {
    const from = plainPathInRootfs(input.rootfs, req.destination);
    if (from) ctx.volumes.copyUp(volume, from);
  }
  const mount = ociMount({ ...req, type: 'bind' }, volume.path);
  return {
    mount,
    point: {
      Type: 'volume',
      Name: volume.name,
      Source: volume.path,
      Destination: req.destination,
      Driver: 'local',
      Mode: mode,
      RW: !req.readOnly,
      Propagation: '',
    },
  };
}

/**
 * Writes the bundle of a container whose rootfs is mounted; returns its spec and mounts. The files are
 * written in the thread pool: on a busy disk each creation waits for the journal.
 */
export async function writeBundle(
  ctx: ServiceContext,
  input: BundleInput,
): Promise<{ spec: Spec; mounts: MountPoint[]; warnings: string[] }> {
  const { id, bundle, rootfs, config, host } = input;
  const warnings: string[] = [];
  const hostNetwork = input.network.kind === 'host';
  const namespaces = {
    network: networkNamespace(ctx, id, input.network),
    pid: namespaceOf(ctx, host.PidMode, 'pid', 'pid'),
    ipc: namespaceOf(ctx, host.IpcMode, 'ipc', 'ipc'),
    // The docker CLI sends UTSMode "": with host networking that means the host's UTS namespace too.
    uts: namespaceOf(ctx, host.UTSMode || (hostNetwork ? 'host' : ''), 'uts', 'uts'),
    // Docker's default on cgroup v1 hosts is the host's cgroup namespace; v2 hosts get their own.
    cgroup: (host.CgroupnsMode === 'private' ? 'private' : 'host') as NamespaceChoice,
  };
  const hostname = hostNetwork ? hostHostname() : config.Hostname || id.slice(0, 12);
  const user = resolveUserInRootfs(rootfs, config.User ?? '', host.GroupAdd ?? []);

  const etcFiles = {
    hostname: join(bundle, 'hostname'),
    hosts: join(bundle, 'hosts'),
    resolvConf: join(bundle, 'resolv.conf'),
  };
  const extraHosts = (host.ExtraHosts ?? []).map((e) => parseExtraHost(e));
  const hostsText = hostNetwork
    ? readOr('/etc/hosts', '127.0.0.1\tlocalhost\n') + extraHosts.map((h) => `${h.ip}\t${h.name}\n`).join('')
    : hostsFile({ hostname, domainname: config.Domainname, ips: [], extraHosts });
  const resolvText = resolvConfFile(parseResolvConf(readOr('/etc/resolv.conf', '')), {
    dns: host.Dns ?? [],
    dnsSearch: host.DnsSearch ?? [],
    dnsOptions: host.DnsOptions ?? [],
    hostNetwork,
  });
  // All settled before a failure is thrown: create's cleanup removes the bundle, with no write in flight.
  const written = await Promise.allSettled([
    writeFile(etcFiles.hostname, hostnameFile(hostname), { mode: 0o644 }),
    writeFile(etcFiles.hosts, hostsText, { mode: 0o644 }),
    writeFile(etcFiles.resolvConf, resolvText, { mode: 0o644 }),
  ]);
  const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failed) throw failed.reason;

  const requests = mountRequests(host);
  requests.push(...volumesFromRequests(ctx, host, requests));
  // The image's VOLUMEs that no mount covers become anonymous volumes (dockerd's createContainerVolumes).
  for (const dest of Object.keys(config.Volumes ?? {})) {
    const clean = posix.normalize(dest).replace(/\/+$/, '') || '/';
    if (clean !== '/' && !requests.some((r) => r.destination === clean))
      requests.push({
        type: 'volume',
        source: '',
        destination: clean,
        readOnly: false,
        options: [],
        createSource: false,
        noCopy: false,
      });
  }
  const resolved = requests.map((r) => resolveMount(ctx, r, input));
  if (host.Init && !existsSync(INIT_BINARY))
    throw new BerthError('FailedPrecondition', `--init: no init binary at "${INIT_BINARY}" (Debian's tini)`);
  const spec = containerSpec({
    id,
    config,
    host,
    rootfs,
    user,
    etcFiles,
    namespaces,
    mounts: resolved.map((r) => r.mount),
    seccomp: input.security.seccomp,
    cgroupsPath: `${host.CgroupParent || '/berth'}/${id}`,
    ...(host.Init ? { init: INIT_BINARY } : {}),
  });
  await atomicWriteFile(join(bundle, 'config.json'), JSON.stringify(spec), 0o600, false);
  return { spec, mounts: resolved.map((r) => r.point), warnings };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
