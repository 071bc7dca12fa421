// The volumes containers mount, behind a small interface until the volume service (issue 7) lands: a
// volume is a plain directory <root>/volumes/<name>/_data (dockerd's local driver layout). An anonymous
// volume gets a random 64-hex name and is removed by `rm -v` and by AutoRemove. Like dockerd's copy-up,
// a new volume starts with what the image has at the mount's destination (unless nocopy).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BerthError } from '../../../base/errors.js';

/** A volume made ready for a mount. */
export interface PreparedVolume {
  name: string;
  /** The host directory to bind. */
  path: string;
  /** Whether this call made it (so that the image's content is copied in). */
  created: boolean;
  anonymous: boolean;
}

/** Where containers' volumes come from. */
export interface VolumeSource {
  /** The volume `name` ('' for a new anonymous one), made if it does not exist. */
  prepare(name: string): PreparedVolume;
  /** Copies the image's content at `from` into a volume that was just made, as dockerd does. */
  copyUp(volume: PreparedVolume, from: string): void;
  /** Removes a volume (`rm -v` of an anonymous one). */
  remove(name: string): void;
}

/** Volumes as directories under `<root>/volumes`. */
export class DirectoryVolumes implements VolumeSource {
  constructor(private readonly root: string) {}

  prepare(name: string): PreparedVolume {
    const anonymous = name === '';
    const volume = anonymous ? randomBytes(32).toString('hex') : name;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(volume))
      throw new BerthError('InvalidArgument', `volume name "${volume}": invalid characters`);
    const path = join(this.root, 'volumes', volume, '_data');
    const created = !existsSync(path);
    mkdirSync(path, { recursive: true, mode: 0o755 });
    return { name: volume, path, created, anonymous };
  }

  copyUp(volume: PreparedVolume, from: string): void {
    if (!volume.created || !existsSync(from)) return;
    if (readdirSync(volume.path).length > 0) return;
    // verbatimSymlinks: a symlink in the image stays a symlink (pointing inside the container).
    cpSync(from, volume.path, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  }

  remove(name: string): void {
    rmSync(join(this.root, 'volumes', name), { recursive: true, force: true });
  }
}
