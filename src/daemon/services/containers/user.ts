// `--user` resolved against the container's own /etc/passwd and /etc/group, as runc's GetExecUser
// (libcontainer/user) does and dockerd relies on: names or numbers for user and group, the user's
// supplementary groups from /etc/group when no group is given, HOME from the passwd entry, and
// --group-add on top. The files are read inside the rootfs without following links out of it.
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { BerthError } from '../../../base/errors.js';
import { native } from '../../../base/native.js';

/** One line of /etc/passwd. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** One line of /etc/group. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Who the container's process runs as. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

/** Parses passwd(5) text; malformed lines are skipped, as libcontainer does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' });
  }
  return out;
}

/** Parses group(5) text. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#') || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const isNumber = (s: string): boolean => /^\d+$/.test(s);

/** Resolves `spec` ("", "name", "uid", "name:group", "uid:gid") with the given files' contents. */
export function resolveUser(
  spec: string,
  passwd: PasswdEntry[],
  groups: GroupEntry[],
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const [userArg = '', groupArg] = spec.split(':', 2) as [string, string | undefined];
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (userArg === '') entry = passwd.find((p) => p.uid === 0);
  else if (isNumber(userArg)) {
    uid = Number(userArg);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userArg);
    if (!entry)
      throw new BerthError(
        'InvalidArgument',
        `unable to find user ${userArg}: no matching entries in passwd file`,
      );
  }
  if (entry) uid = entry.uid;
  let gid = entry?.gid ?? 0;
  let additionalGids: number[] = [];
  if (groupArg !== undefined && groupArg !== '') {
    if (isNumber(groupArg)) gid = Number(groupArg);
    else {
      const g = groups.find((x) => x.name === groupArg);
      if (!g)
        throw new BerthError(
          'InvalidArgument',
          `unable to find group ${groupArg}: no matching entries in group file`,
        );
      gid = g.gid;
    }
  } else if (entry) {
    // The user's supplementary groups, leaving out its primary one.
    additionalGids = groups.filter((g) => g.gid !== gid && g.members.includes(entry.name)).map((g) => g.gid);
  }
  for (const add of groupAdd) {
    let g: number;
    if (isNumber(add)) g = Number(add);
    else {
      const found = groups.find((x) => x.name === add);
      if (!found)
        throw new BerthError(
          'InvalidArgument',
          `unable to find group ${add}: no matching entries in group file`,
        );
      g = found.gid;
    }
    if (!additionalGids.includes(g)) additionalGids.push(g);
  }
  return { uid, gid, additionalGids, home: entry?.home || '/' };
}

/** A file of the rootfs, read without leaving it; '' when it does not exist. */
export function readInRootfs(rootfs: string, path: string): string {
  const n = native();
  const root = openSync(rootfs, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    let fd: number;
    try {
      fd = n.openat2(root, path, constants.O_RDONLY, 0, n.RESOLVE_IN_ROOT | n.RESOLVE_NO_MAGICLINKS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
    try {
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(root);
  }
}

/** Resolves `spec` against the container's /etc/passwd and /etc/group. */
export function resolveUserInRootfs(
  rootfs: string,
  spec: string,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  return resolveUser(
    spec,
    parsePasswd(readInRootfs(rootfs, '/etc/passwd')),
    parseGroup(readInRootfs(rootfs, '/etc/group')),
    groupAdd,
  );
}
