// The volumes containers mount, as the container service sees them: the volume service
// (services/volumes) behind this small interface — a volume made ready for a mount (created when named
// and missing, or new and anonymous for an image's VOLUME and `-v /path`), docker's copy-up of the
// image's content into a volume that is still empty, the record that a container uses it (so that it
// cannot be removed meanwhile), and its release when the container goes (`rm -v` and AutoRemove remove
// the anonymous ones). `--volumes-from` is volumes-from.ts.
import type { PreparedVolume } from '../volumes/index.js';

export type { PreparedVolume } from '../volumes/index.js';

/** Where containers' volumes come from (VolumeService implements it). */
export interface VolumeSource {
  /** The volume `name` ('' for a new anonymous one), made if it does not exist, mounted if its driver options say so. */
  prepare(name: string): PreparedVolume;
  /** Copies the image's content at `from` into the volume if it is still empty (docker's copy-up). */
  copyUp(volume: PreparedVolume, from: string): void;
  /** Records that a container mounts a volume at `destination`. */
  use(containerId: string, name: string, destination: string, readOnly: boolean): void;
  /** Mounts the filesystems of a container's volumes that need one (before a start); `mount` events. */
  mountFor(containerId: string): void;
  /** After a container's exit: `unmount` events. */
  unmountedFor(containerId: string): void;
  /** Forgets a container's mounts; removes its anonymous volumes when `removeAnonymous`. */
  release(containerId: string, removeAnonymous: boolean): string[];
  /** Removes a volume a failed create made. */
  discard(name: string): void;
}
