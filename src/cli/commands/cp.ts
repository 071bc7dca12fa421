// `berth cp` and `berth export` (docker/cli's container/cp.go and export.go): tars through the daemon's
// archive routes, packed and unpacked here with GNU tar, with docker's naming rules (into a directory
// that exists, or under a new name).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import { DaemonError } from '../client.js';
import type { CliContext, Command } from '../command.js';

/** `CONTAINER:PATH` split, or undefined for a local path (docker's splitCpArg). */
function splitCpArg(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

function runTar(args: string[], input?: Readable): Promise<Readable | void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('tar', args, {
      stdio: [input ? 'pipe' : 'ignore', input ? 'ignore' : 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    if (input) {
      input.pipe(child.stdin!);
      child.on('close', (code) =>
        code === 0
          ? resolvePromise()
          : reject(new BerthError('Internal', `tar: ${err.trim() || `exit ${code}`}`)),
      );
      child.on('error', reject);
    } else resolvePromise(child.stdout!);
  });
}

/** The stat the daemon reports for a container path, or undefined when it does not exist. */
async function statRemote(
  cli: CliContext,
  container: string,
  path: string,
): Promise<{ mode: number } | undefined> {
  const res = await cli.client.open(
    'HEAD',
    `/containers/${encodeURIComponent(container)}/archive?path=${encodeURIComponent(path)}`,
  );
  res.resume();
  if (res.statusCode === 404) return undefined;
  if ((res.statusCode ?? 500) >= 400)
    throw new DaemonError(res.statusCode ?? 500, `stat ${path}: status ${res.statusCode}`);
  const header = res.headers['x-docker-container-path-stat'];
  return JSON.parse(Buffer.from(String(header), 'base64').toString('utf8')) as { mode: number };
}

const isDirMode = (mode: number): boolean => mode >= 2 ** 31;

async function fromContainer(
  cli: CliContext,
  src: { container: string; path: string },
  dest: string,
): Promise<void> {
  const res = await cli.client.open(
    'GET',
    `/containers/${encodeURIComponent(src.container)}/archive?path=${encodeURIComponent(src.path)}`,
  );
  if ((res.statusCode ?? 500) >= 400) {
    let text = '';
    for await (const c of res) text += (c as Buffer).toString('utf8');
    throw new DaemonError(res.statusCode ?? 500, (JSON.parse(text) as { message: string }).message);
  }
  if (dest === '-') {
    for await (const c of res) process.stdout.write(c as Buffer);
    return;
  }
  const target = resolve(dest);
  if (existsSync(target) && statSync(target).isDirectory()) {
    await runTar(['-x', '-C', target, '-f', '-'], res);
    return;
  }
  // A new name: unpack beside it, then rename (docker's rebase of the archive's top entry).
  const tmp = mkdtempSync(join(dirname(target), '.berth-cp-'));
  try {
    await runTar(['-x', '-C', tmp, '-f', '-'], res);
    const name = src.path.endsWith('/.') ? '.' : basename(src.path.replace(/\/+$/, '')) || '.';
    renameSync(name === '.' ? tmp : join(tmp, name), target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function toContainer(
  cli: CliContext,
  src: string,
  dest: { container: string; path: string },
): Promise<void> {
  const local = resolve(src);
  if (!existsSync(local)) throw new BerthError('NotFound', `lstat ${local}: no such file or directory`);
  const st = await statRemote(cli, dest.container, dest.path);
  let dir = dest.path;
  const args = ['--numeric-owner', '-C', dirname(local), '-cf', '-'];
  if (!st || !isDirMode(st.mode)) {
    // Copy under a new name: the parent must be a directory; the archive's top entry is renamed.
    dir = dirname(dest.path) || '/';
    const name = basename(dest.path);
    args.push(
      `--transform=s,^${basename(local).replace(/[,\\]/g, '\\$&')},${name.replace(/[,\\&]/g, '\\$&')},`,
    );
  }
  args.push(basename(local));
  const tar = (await runTar(args)) as Readable;
  const res = await cli.client.open(
    'PUT',
    `/containers/${encodeURIComponent(dest.container)}/archive?path=${encodeURIComponent(dir)}`,
    undefined,
    {},
    tar,
  );
  let text = '';
  for await (const c of res) text += (c as Buffer).toString('utf8');
  if ((res.statusCode ?? 500) >= 400)
    throw new DaemonError(res.statusCode ?? 500, (JSON.parse(text) as { message: string }).message);
}

/** `berth cp`. */
export const cp: Command = {
  name: 'cp',
  usage:
    'berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  flags: [
    { name: 'archive', short: 'a', kind: 'bool', usage: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', kind: 'bool', usage: 'Always follow symbol link in SRC_PATH' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress progress output during copy' },
  ],
  args: { min: 2, max: 2 },
  run: async (cli, _v, [a, b]) => {
    const src = splitCpArg(a!);
    const dest = splitCpArg(b!);
    if (src && dest) throw new BerthError('InvalidArgument', 'copying between containers is not supported');
    if (!src && !dest) throw new BerthError('InvalidArgument', 'must specify at least one container source');
    if (src) await fromContainer(cli, src, b!);
    else await toContainer(cli, a!, dest!);
    return 0;
  },
};

/** `berth export`. */
export const exportCommand: Command = {
  name: 'export',
  usage: 'berth export [OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  flags: [{ name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' }],
  args: { min: 1, max: 1 },
  run: async (cli, v, [ref]) => {
    const out = v.output as string | undefined;
    if (!out && process.stdout.isTTY)
      throw new BerthError(
        'InvalidArgument',
        'cowardly refusing to save to a terminal. Use the -o flag or redirect',
      );
    const res = await cli.client.open('GET', `/containers/${encodeURIComponent(ref!)}/export`);
    if ((res.statusCode ?? 500) >= 400) {
      let text = '';
      for await (const c of res) text += (c as Buffer).toString('utf8');
      throw new DaemonError(res.statusCode ?? 500, (JSON.parse(text) as { message: string }).message);
    }
    const sink: NodeJS.WritableStream = out ? createWriteStream(out) : process.stdout;
    for await (const c of res)
      if (!sink.write(c as Buffer)) await new Promise<void>((r) => sink.once('drain', () => r()));
    if (out) await new Promise<void>((r) => sink.end(() => r()));
    return 0;
  },
};
