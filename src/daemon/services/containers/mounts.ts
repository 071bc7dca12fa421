// A docker container's user mounts — HostConfig.Binds (`-v`), HostConfig.Mounts (`--mount`) and
// HostConfig.Tmpfs (`--tmpfs`) — checked with dockerd's messages and turned into OCI mounts: binds are
// `rbind` + `rprivate` unless told otherwise, tmpfs gets noexec,nosuid,nodev unless told otherwise.
// Named volumes are resolved by the caller (the volumes service) to host paths.
import { posix } from 'node:path';
import type { HostConfig, Mount as DockerMount } from '../../../../api/docker/container.js';
import { BerthError } from '../../../base/errors.js';
import type { Mount } from '../../../oci/runtime-spec.js';

/** A mount the container asked for, before volumes are resolved. */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name ('' for an anonymous volume), or unused (tmpfs). */
  source: string;
  destination: string;
  readOnly: boolean;
  /** OCI options beyond ro/rw and the defaults (propagation, tmpfs size/mode...). */
  options: string[];
  /** bind: create a missing host path (`-v` does, `--mount` refuses). */
  createSource: boolean;
  /** volume: do not copy the image's content into an empty volume. */
  noCopy: boolean;
}

const PROPAGATION = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];

function invalidSpec(spec: string, why?: string): BerthError {
  return new BerthError('InvalidArgument', `invalid volume specification: '${spec}'${why ? `: ${why}` : ''}`);
}

function checkDestination(dest: string, kind: string): string {
  if (!dest.startsWith('/'))
    throw new BerthError(
      'InvalidArgument',
      `invalid mount config for type "${kind}": invalid mount path: '${dest}' mount path must be absolute`,
    );
  const clean = posix.normalize(dest).replace(/\/+$/, '') || '/';
  if (clean === '/')
    throw new BerthError(
      'InvalidArgument',
      `invalid mount config for type "${kind}": invalid specification: destination can't be '/'`,
    );
  return clean;
}

/** Parses one `-v` entry: `src:dst[:opts]` (src a host path or a volume name). */
export function parseBind(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw invalidSpec(spec);
  const [source, destination, opts = ''] = parts as [string, string, string?];
  const type = source.startsWith('/') ? 'bind' : 'volume';
  if (type === 'volume' && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(source))
    throw new BerthError(
      'InvalidArgument',
      `"${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  const req: MountRequest = {
    type,
    source: type === 'bind' ? posix.normalize(source) : source,
    destination: checkDestination(destination, type),
    readOnly: false,
    options: [],
    createSource: true,
    noCopy: false,
  };
  let modes = 0;
  for (const o of opts.split(',').filter(Boolean)) {
    if (o === 'ro' || o === 'rw') {
      req.readOnly = o === 'ro';
      modes++;
    } else if (PROPAGATION.includes(o)) {
      if (type === 'volume') throw invalidSpec(spec, 'propagation applies to binds only');
      req.options.push(o);
    } else if (o === 'nocopy') req.noCopy = true;
    else if (o === 'z' || o === 'Z' || o === 'consistent' || o === 'cached' || o === 'delegated')
      continue; // SELinux relabel and macOS hints: nothing to do here
    else throw invalidSpec(spec, `unknown option "${o}"`);
  }
  if (modes > 1) throw invalidSpec(spec);
  return req;
}

/** Parses one HostConfig.Mounts entry (`--mount`). */
export function parseMount(m: DockerMount): MountRequest {
  const type = m.Type;
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs')
    throw new BerthError('InvalidArgument', `mount type "${type}" is not supported`);
  const destination = checkDestination(m.Target ?? '', type);
  const req: MountRequest = {
    type,
    source: m.Source ?? '',
    destination,
    readOnly: m.ReadOnly === true,
    options: [],
    createSource: m.BindOptions?.CreateMountpoint === true,
    noCopy: m.VolumeOptions?.NoCopy === true,
  };
  if (type === 'bind') {
    if (!req.source)
      throw new BerthError(
        'InvalidArgument',
        `invalid mount config for type "bind": field Source must not be empty`,
      );
    if (!req.source.startsWith('/'))
      throw new BerthError(
        'InvalidArgument',
        `invalid mount config for type "bind": invalid mount path: '${req.source}' mount path must be absolute`,
      );
    const prop = m.BindOptions?.Propagation;
    if (prop) {
      if (!PROPAGATION.includes(prop))
        throw new BerthError(
          'InvalidArgument',
          `invalid mount config for type "bind": invalid propagation mode "${prop}"`,
        );
      req.options.push(prop);
    }
    if (m.BindOptions?.NonRecursive) req.options.push('bind');
  } else if (type === 'volume') {
    if (m.BindOptions)
      throw new BerthError(
        'InvalidArgument',
        `invalid mount config for type "volume": field BindOptions must not be specified`,
      );
    if (req.source && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(req.source))
      throw new BerthError(
        'InvalidArgument',
        `invalid mount config for type "volume": invalid volume name "${req.source}"`,
      );
  } else {
    if (req.source)
      throw new BerthError(
        'InvalidArgument',
        `invalid mount config for type "tmpfs": field Source must not be specified`,
      );
    const t = m.TmpfsOptions;
    if (t?.SizeBytes !== undefined) {
      if (t.SizeBytes < 0)
        throw new BerthError(
          'InvalidArgument',
          `invalid mount config for type "tmpfs": invalid tmpfs size ${t.SizeBytes}`,
        );
      req.options.push(`size=${t.SizeBytes}`);
    }
    if (t?.Mode !== undefined) req.options.push(`mode=${(t.Mode & 0o7777).toString(8).padStart(4, '0')}`);
    for (const kv of t?.Options ?? []) req.options.push(kv.join('='));
  }
  return req;
}

/** Parses one HostConfig.Tmpfs entry (`--tmpfs /run:rw,size=64m`). */
export function parseTmpfs(destination: string, options: string): MountRequest {
  const opts = options.split(',').filter(Boolean);
  return {
    type: 'tmpfs',
    source: '',
    destination: checkDestination(destination, 'tmpfs'),
    readOnly: opts.includes('ro'),
    options: opts.filter((o) => o !== 'ro' && o !== 'rw'),
    createSource: false,
    noCopy: false,
  };
}

/** Every mount request of a HostConfig, refusing two mounts on one destination (dockerd: "Duplicate mount point"). */
export function mountRequests(host: HostConfig): MountRequest[] {
  const reqs = [
    ...(host.Binds ?? []).map(parseBind),
    ...(host.Mounts ?? []).map(parseMount),
    ...Object.entries(host.Tmpfs ?? {}).map(([dest, opts]) => parseTmpfs(dest, opts)),
  ];
  const seen = new Set<string>();
  for (const r of reqs) {
    if (seen.has(r.destination))
      throw new BerthError('InvalidArgument', `Duplicate mount point: ${r.destination}`);
    seen.add(r.destination);
  }
  return reqs;
}

/** tmpfs flags that one option of the user's switches off (exec undoes noexec). */
const TMPFS_OPPOSITES: Record<string, string> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev' };

/** The OCI mount for a request whose source (for volumes, the volume's directory) is known. */
export function ociMount(req: MountRequest, hostSource: string): Mount {
  if (req.type === 'tmpfs') {
    const user = req.options;
    const defaults = ['noexec', 'nosuid', 'nodev'].filter(
      (d) =>
        !user.includes(d) &&
        !Object.entries(TMPFS_OPPOSITES).some(([on, off]) => off === d && user.includes(on)),
    );
    const options = [
      ...defaults,
      ...user.filter((o) => !(o in TMPFS_OPPOSITES)),
      ...(req.readOnly ? ['ro'] : []),
    ];
    return { destination: req.destination, type: 'tmpfs', source: 'tmpfs', options };
  }
  const recursive = !req.options.includes('bind');
  const propagation = req.options.find((o) => PROPAGATION.includes(o)) ?? 'rprivate';
  const options = [recursive ? 'rbind' : 'bind', propagation, ...(req.readOnly ? ['ro'] : [])];
  return { destination: req.destination, type: 'bind', source: hostSource, options };
}

/** Mounts ordered so that a parent is mounted before what goes inside it (moby's sortMounts). */
export function sortMounts(mounts: Mount[]): Mount[] {
  const depth = (m: Mount): number => m.destination.split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}
