// Which names a layer may use. Names are relative to the layer's root: "./" prefixes and trailing "/" are
// accepted (docker and GNU tar write them), absolute names and any ".." component are refused outright,
// as is a symlink whose relative target climbs out of the root lexically (docker's pkg/archive
// "breakoutError": "invalid symlink"). Whiteout names are those of image-spec layer.md "Whiteouts".
import { BerthError } from '../../base/errors.js';

/** Prefix of a whiteout entry: ".wh.<name>" deletes <name> from the layers below. */
export const WHITEOUT_PREFIX = '.wh.';
/** An opaque marker: the directory holding it hides everything below it in lower layers. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Prefix of aufs metadata entries (".wh..wh.plnk", ".wh..wh.aufs"), which docker skips. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';

/** The components of an entry's name; [] for the root itself ("." or "./"). Throws on an unsafe name. */
export function entryComponents(name: string, what = 'entry'): string[] {
  if (name.startsWith('/'))
    throw new BerthError('PermissionDenied', `${what} "${name}": absolute names are refused`);
  if (name.includes('\0'))
    throw new BerthError('InvalidArgument', `${what} "${name}": name holds a NUL byte`);
  const comps = name.split('/').filter((c) => c !== '' && c !== '.');
  if (comps.includes('..'))
    throw new BerthError('PermissionDenied', `${what} "${name}": ".." in names is refused`);
  return comps;
}

/** Refuses a relative symlink target that leaves the root when read from the link's directory. */
export function checkSymlinkTarget(name: string, parent: readonly string[], target: string): void {
  if (target === '') throw new BerthError('InvalidArgument', `entry "${name}": symlink with an empty target`);
  if (target.startsWith('/')) return; // absolute targets resolve inside the root for the container
  const stack = [...parent];
  for (const c of target.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0)
        throw new BerthError(
          'PermissionDenied',
          `entry "${name}": symlink to "${target}" points outside the target`,
        );
      stack.pop();
    } else stack.push(c);
  }
}
