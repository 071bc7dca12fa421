// docker cp and docker export (dockerd's daemon/archive.go): a path of the container resolved the way
// the container would see it (symlinks followed inside its rootfs, never out of it; volumes and binds
// by their sources), its stat for X-Docker-Container-Path-Stat, a tar of it (GNU tar, which archives
// symlinks as symlinks), and a tar extracted into a directory of it with images/unpack's extractor
// (which never writes outside its target).
import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../../base/errors.js';
import { unpackLayer } from '../../../images/unpack/index.js';
import type { Container } from '../../../metadata/index.js';
import type { ServiceContext } from './context.js';

/** Go's os.FileMode type bits, which the path stat carries (docker's types.ContainerPathStat). */
const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  pipe: 2 ** 25,
  socket: 2 ** 24,
  char: 2 ** 21,
};

/** The header value docker cp reads: base64 of {name, size, mode, mtime, linkTarget}. */
export function pathStat(path: string, st: Stats): string {
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode += GO_MODE.dir;
  else if (st.isSymbolicLink()) mode += GO_MODE.symlink;
  else if (st.isFIFO()) mode += GO_MODE.pipe;
  else if (st.isSocket()) mode += GO_MODE.socket;
  else if (st.isCharacterDevice()) mode += GO_MODE.device + GO_MODE.char;
  else if (st.isBlockDevice()) mode += GO_MODE.device;
  const stat = {
    name: basename(path) || '/',
    size: st.size,
    mode,
    mtime: st.mtime.toISOString(),
    linkTarget: st.isSymbolicLink() ? readlinkSync(path) : '',
  };
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** Where a container path is on the host: the mount (rootfs, volume or bind) it is in, and the rest. */
function mountFor(ctx: ServiceContext, c: Container, path: string): { root: string; rest: string } {
  const data = ctx.data(c);
  const clean = posix.normalize(`/${path}`);
  let best = { root: data.rootfs, dest: '/' };
  // The files bound over /etc (bundle.ts) are what the container sees there, not the rootfs's.
  for (const f of ['hostname', 'hosts', 'resolv.conf'])
    if (clean === `/etc/${f}`) return { root: data.bundle, rest: `/${f}` };
  for (const m of data.mounts ?? [])
    if (
      m.Source &&
      (clean === m.Destination || clean.startsWith(`${m.Destination}/`)) &&
      m.Destination.length > best.dest.length
    )
      best = { root: m.Source, dest: m.Destination };
  return { root: best.root, rest: clean.slice(best.dest === '/' ? 0 : best.dest.length) || '/' };
}

/** Resolves `rest` under `root` as a chroot would, symlinks included (the last one only if `followLast`). */
export function resolveInRoot(root: string, rest: string, followLast: boolean): string {
  const parts = rest.split('/').filter((p) => p && p !== '.');
  const done: string[] = [];
  for (let hops = 0; parts.length > 0;) {
    const part = parts.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st: Stats | undefined;
    try {
      st = lstatSync(host);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink() && (parts.length > 0 || followLast)) {
      if (++hops > 40)
        throw new BerthError('InvalidArgument', `too many levels of symbolic links in "${rest}"`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...target.split('/').filter((p) => p && p !== '.'));
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

/** The host path of a container path, and its lstat; 404 in docker's words when it does not exist. */
export function statPath(ctx: ServiceContext, c: Container, path: string): { host: string; stat: Stats } {
  if (!path) throw new BerthError('InvalidArgument', 'Path cannot be empty');
  const { root, rest } = mountFor(ctx, c, path);
  const host = resolveInRoot(root, rest, path.endsWith('/') || path.endsWith('/.'));
  try {
    return { host, stat: lstatSync(host) };
  } catch {
    throw new BerthError('NotFound', `Could not find the file ${path} in container ${c.name ?? c.id}`);
  }
}

/** A tar stream of `dir`'s entry `name` (or of the whole directory when name is "."). */
export function tarOf(dir: string, name: string): Readable {
  const child = spawn('tar', ['--numeric-owner', '-C', dir, '-cf', '-', name], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.on('close', (code) => {
    if (code !== 0)
      child.stdout.destroy(new BerthError('Internal', `tar of "${name}": ${err.trim() || `exit ${code}`}`));
  });
  // A reader that goes away (a client that closed the connection) ends tar too: it must not stay
  // blocked on a full pipe, holding the rootfs busy.
  child.stdout.once('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child.stdout;
}

/** GET /containers/{id}/archive: the stat header and the tar of the path. */
export function archivePath(
  ctx: ServiceContext,
  c: Container,
  path: string,
): { stat: string; tar: Readable } {
  const { host, stat } = statPath(ctx, c, path);
  ctx.emit(c, 'archive-path');
  // A path ending in "/." asks for the directory's content (docker cp c:/dir/. dest).
  if (path.endsWith('/.')) return { stat: pathStat(host, stat), tar: tarOf(host, '.') };
  return { stat: pathStat(host, stat), tar: tarOf(dirname(host), basename(host)) };
}

/** PUT /containers/{id}/archive: extracts a tar into the directory `path`. */
export async function extractInto(
  ctx: ServiceContext,
  c: Container,
  path: string,
  body: AsyncIterable<Uint8Array>,
): Promise<void> {
  if (
    (c.hostConfig as { ReadonlyRootfs?: boolean }).ReadonlyRootfs &&
    mountFor(ctx, c, path).root === ctx.data(c).rootfs
  )
    throw new BerthError('PermissionDenied', 'container rootfs is marked read-only');
  const { host, stat } = statPath(ctx, c, path.endsWith('/') ? path : `${path}/`);
  if (!stat.isDirectory()) throw new BerthError('InvalidArgument', 'extraction point is not a directory');
  await unpackLayer(body, host, {
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    whiteouts: 'apply',
    discardOnError: false,
  });
  ctx.emit(c, 'extract-to-dir');
}

/** GET /containers/{id}/export: the rootfs as a tar. */
export function exportRootfs(ctx: ServiceContext, c: Container): Readable {
  ctx.emit(c, 'export');
  return tarOf(ctx.data(c).rootfs, '.');
}
