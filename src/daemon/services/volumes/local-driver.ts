// docker's `local` volume driver options (moby volume/local/local_unix.go): none, for a plain directory
// <root>/volumes/<name>/_data; or `type`, `device` and `o`, for a filesystem mounted on that directory
// when a container uses the volume — `type=tmpfs device=tmpfs o=size=64m`, `type=none o=bind
// device=/srv/data`. The mount is made at first use and undone when no container uses the volume any
// more (dockerd mounts at start and unmounts at stop; here a created container counts as a user, so a
// tmpfs volume keeps its content while its container exists).
import { existsSync, statSync } from 'node:fs';
import { BerthError } from '../../../base/errors.js';
import { mountAll, mountsUsing, unmountAll } from '../../../snapshots/index.js';

/** The options the local driver takes. */
const VALID_OPTIONS = ['type', 'o', 'device'];

/** moby's mandatoryOpts: each option needs the others named here. */
const REQUIRES: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

/** The local driver's name. */
export const LOCAL_DRIVER = 'local';

/** Checks a create request's driver and options; the message names the volume and the option. */
export function validateDriverOptions(name: string, driver: string, opts: Record<string, string>): void {
  if (driver !== LOCAL_DRIVER)
    throw new BerthError(
      'NotFound',
      `create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`,
    );
  for (const [key, value] of Object.entries(opts)) {
    if (!VALID_OPTIONS.includes(key))
      throw new BerthError('InvalidArgument', `create ${name}: invalid option: "${key}"`);
    if (typeof value !== 'string')
      throw new BerthError('InvalidArgument', `create ${name}: option "${key}": value must be a string`);
    for (const needed of REQUIRES[key] ?? [])
      if (!(needed in opts))
        throw new BerthError('InvalidArgument', `create ${name}: missing required option: "${needed}"`);
  }
  if (isBind(opts) && !(opts.device!.startsWith('/') && existsSync(opts.device!)))
    throw new BerthError(
      'InvalidArgument',
      `create ${name}: bind device "${opts.device}" must be an existing absolute path`,
    );
}

function isBind(opts: Record<string, string>): boolean {
  return (opts.o ?? '').split(',').some((o) => o === 'bind' || o === 'rbind');
}

/** Whether a volume's data directory needs a mount before use. */
export function needsMount(opts: Record<string, string>): boolean {
  return opts.type !== undefined || opts.device !== undefined;
}

/** Mounts the volume's filesystem on `dataDir` unless it is mounted already. */
export function mountVolume(name: string, opts: Record<string, string>, dataDir: string): void {
  if (!needsMount(opts) || isMounted(dataDir)) return;
  const options = (opts.o ?? '').split(',').filter(Boolean);
  const type = isBind(opts) ? 'bind' : opts.type!;
  if (type === 'bind' && !statSync(opts.device!, { throwIfNoEntry: false })?.isDirectory())
    throw new BerthError(
      'FailedPrecondition',
      `volume ${name}: bind device "${opts.device}" is not a directory`,
    );
  try {
    mountAll([{ type, source: opts.device!, options }], dataDir);
  } catch (err) {
    throw new BerthError(
      'InvalidArgument',
      `error while mounting volume '${dataDir}': ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** Undoes mountVolume (nothing to do for plain directories). */
export function unmountVolume(opts: Record<string, string>, dataDir: string): void {
  if (needsMount(opts)) unmountAll(dataDir);
}

function isMounted(dir: string): boolean {
  return mountsUsing(dir).includes(dir);
}
