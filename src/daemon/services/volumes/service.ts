// berthd's volume service (issue 7): docker's named and anonymous volumes of the `local` driver, kept in
// the metadata database (SCHEMA.md "Networks and volumes": volumes, container_volumes) with their data
// in <root>/volumes/<name>/_data, as dockerd lays them out. The container service asks it for the
// volumes a container mounts (prepare → copyUp → use) and gives them back when the container goes
// (release); a volume that a container uses cannot be removed (409 "volume is in use").
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, messageOf } from '../../../base/errors.js';
import type { Logger } from '../../../base/log.js';
import {
  DOCKER_NAMESPACE,
  type Stores,
  type Volume,
  type VolumeMount,
  type Volumes,
} from '../../../metadata/index.js';
import { mountsUsing } from '../../../snapshots/index.js';
import type { PublishEvent } from '../networks/index.js';
import { boolFilter, checkFilterKeys, fuzzyMatch, labelsMatch } from '../object-filters.js';
import { copyImageContent } from './copy-up.js';
import { ANONYMOUS_LABEL, dockerVolume, type DockerVolume } from './docker-shape.js';
import { LOCAL_DRIVER, mountVolume, unmountVolume, validateDriverOptions } from './local-driver.js';

/** The body of POST /volumes/create (swagger VolumeCreateOptions). */
export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** A volume made ready for a container's mount. */
export interface PreparedVolume {
  name: string;
  /** The host directory to bind into the container. */
  path: string;
  /** Whether this call made it. */
  created: boolean;
  anonymous: boolean;
}

/** docker's rule for local volume names (moby volume/local: validName). */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The daemon's volumes. */
export class VolumeService {
  constructor(
    private readonly stores: Stores,
    /** The daemon's --data-root: volumes live under <root>/volumes. */
    private readonly root: string,
    private readonly publish: PublishEvent,
    private readonly log: Logger,
  ) {}

  private get records(): Volumes {
    return this.stores.volumes(DOCKER_NAMESPACE);
  }

  /** POST /volumes/create: a new volume, or the existing one of that name (dockerd's create is idempotent). */
  create(req: VolumeCreateRequest, anonymous = false): DockerVolume {
    const name = req.Name || randomBytes(32).toString('hex');
    const driver = req.Driver || LOCAL_DRIVER;
    checkName(name);
    const existing = this.find(name);
    if (existing) {
      if (existing.driver !== driver)
        throw new BerthError(
          'AlreadyExists',
          `create ${name}: a volume with the name ${name} already exists with driver "${existing.driver}"`,
        );
      return dockerVolume(existing);
    }
    const options = { ...(req.DriverOpts ?? {}) };
    validateDriverOptions(name, driver, options);
    const labels = { ...(req.Labels ?? {}) };
    delete labels[ANONYMOUS_LABEL];
    const data = this.dataDir(name);
    mkdirSync(join(this.root, 'volumes'), { recursive: true, mode: 0o701 });
    mkdirSync(data, { recursive: true, mode: 0o755 });
    let v: Volume;
    try {
      v = this.records.create({
        name,
        mountpoint: data,
        driver,
        options,
        labels,
        anonymous: anonymous || ANONYMOUS_LABEL in (req.Labels ?? {}),
      });
    } catch (err) {
      rmSync(join(this.root, 'volumes', name), { recursive: true, force: true });
      throw err;
    }
    this.publish('volume', 'create', name, { driver });
    return dockerVolume(v);
  }

  /** GET /volumes/{name}. */
  inspect(name: string): DockerVolume {
    return dockerVolume(this.get(name));
  }

  /** GET /volumes: filters dangling, driver, label, name. */
  list(filters: Map<string, string[]>): { Volumes: DockerVolume[]; Warnings: string[] } {
    checkFilterKeys(filters, ['dangling', 'driver', 'label', 'name']);
    const dangling = boolFilter(filters, 'dangling');
    const volumes = this.records.list().filter((v) => {
      if (dangling !== undefined && dangling !== (this.records.usersOf(v.name).length === 0)) return false;
      const driver = filters.get('driver');
      if (driver && !fuzzyMatch(driver, v.driver)) return false;
      const name = filters.get('name');
      if (name && !fuzzyMatch(name, v.name)) return false;
      const label = filters.get('label');
      return !label || labelsMatch(dockerLabels(v), label);
    });
    return { Volumes: volumes.map((v) => dockerVolume(v)), Warnings: [] };
  }

  /** DELETE /volumes/{name}; `force` ignores a volume that does not exist (never one in use). */
  remove(name: string, force = false): void {
    const v = force ? this.find(name) : this.get(name);
    if (!v) return;
    const users = this.records.usersOf(name).map((m) => m.containerId);
    if (users.length)
      throw new BerthError(
        'FailedPrecondition',
        `remove ${name}: volume is in use - [${[...new Set(users)].join(', ')}]`,
      );
    this.destroy(v);
  }

  /**
   * POST /volumes/prune: unused volumes; only anonymous ones unless `all=true` (API 1.42+, as dockerd),
   * filtered by label / label!. Returns their names and the bytes they held.
   */
  prune(
    filters: Map<string, string[]>,
    allByDefault = false,
  ): { VolumesDeleted: string[]; SpaceReclaimed: number } {
    checkFilterKeys(filters, ['label', 'label!', 'all']);
    const all = boolFilter(filters, 'all') ?? allByDefault;
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.records.list()) {
      if (!all && !v.anonymous) continue;
      if (this.records.usersOf(v.name).length) continue;
      const labels = dockerLabels(v);
      const label = filters.get('label');
      if (label && !labelsMatch(labels, label)) continue;
      const notLabel = filters.get('label!');
      if (notLabel && notLabel.some((l) => labelsMatch(labels, [l]))) continue;
      const size = directorySize(v.mountpoint);
      this.destroy(v);
      deleted.push(v.name);
      space += size;
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }

  /** /system/df's volumes: each with its size and how many containers use it. */
  usage(): DockerVolume[] {
    return this.records
      .list()
      .map((v) =>
        dockerVolume(v, { size: directorySize(v.mountpoint), refCount: this.records.usersOf(v.name).length }),
      );
  }

  /** A container's volume: the named one (made if missing, as `-v name:/dst` does) or a new anonymous one (''). */
  prepare(name: string): PreparedVolume {
    const existing = name ? this.find(name) : undefined;
    if (existing) {
      mountVolume(existing.name, existing.options, existing.mountpoint);
      return { name, path: existing.mountpoint, created: false, anonymous: existing.anonymous };
    }
    const made = this.create({ Name: name }, name === '');
    return { name: made.Name, path: made.Mountpoint, created: true, anonymous: name === '' };
  }

  /** Copies the image's content at `from` into a volume that is still empty (docker's copy-up). */
  copyUp(volume: PreparedVolume, from: string): void {
    copyImageContent(from, volume.path);
  }

  /** Records that container `containerId` mounts volume `name` at `destination` (it cannot be removed meanwhile). */
  use(containerId: string, name: string, destination: string, readOnly: boolean): void {
    this.records.attach({ containerId, volumeName: name, destination, readOnly });
  }

  /**
   * Before a start (and after a reboot): mounts the filesystems of a container's volumes that need one,
   * and publishes dockerd's `mount` event for each volume.
   */
  mountFor(containerId: string): void {
    for (const m of this.records.mountsOf(containerId)) {
      const v = this.find(m.volumeName);
      if (!v) continue;
      mountVolume(v.name, v.options, v.mountpoint);
      this.publish('volume', 'mount', v.name, mountAttributes(v, m, containerId));
    }
  }

  /** After a container's exit: dockerd's `unmount` event for each of its volumes. */
  unmountedFor(containerId: string): void {
    for (const m of this.records.mountsOf(containerId)) {
      const v = this.find(m.volumeName);
      if (v) this.publish('volume', 'unmount', v.name, { container: containerId, driver: v.driver });
    }
  }

  /**
   * A container is going: its mounts are forgotten, volumes nobody uses any more are unmounted, and its
   * anonymous volumes are removed when `removeAnonymous` (`rm -v`, AutoRemove). Returns what was removed.
   */
  release(containerId: string, removeAnonymous: boolean): string[] {
    const names = [...new Set(this.records.mountsOf(containerId).map((m) => m.volumeName))];
    this.records.detachAll(containerId);
    const removed: string[] = [];
    for (const name of names) {
      const v = this.find(name);
      if (!v || this.records.usersOf(name).length) continue;
      try {
        if (removeAnonymous && v.anonymous) {
          this.destroy(v);
          removed.push(name);
        } else unmountVolume(v.options, v.mountpoint);
      } catch (err) {
        // The container goes regardless; the volume stays for `volume rm` or `volume prune` to retry.
        this.log.warn('releasing a volume failed', {
          volume: name,
          container: containerId,
          error: messageOf(err),
        });
      }
    }
    return removed;
  }

  /** Removes a volume that was just made for a container whose create failed. */
  discard(name: string): void {
    const v = this.find(name);
    if (v && this.records.usersOf(name).length === 0) this.destroy(v);
  }

  private get(name: string): Volume {
    const v = this.find(name);
    if (!v) throw new BerthError('NotFound', `get ${name}: no such volume`);
    return v;
  }

  private find(name: string): Volume | undefined {
    try {
      return this.records.get(name);
    } catch (err) {
      if (err instanceof BerthError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  private dataDir(name: string): string {
    return join(this.root, 'volumes', name, '_data');
  }

  /** Unmounts, deletes the record, then the directory — never through a mount that is still there. */
  private destroy(v: Volume): void {
    unmountVolume(v.options, v.mountpoint);
    const dir = join(this.root, 'volumes', v.name);
    const stillMounted = mountsUsing(dir);
    if (stillMounted.length)
      throw new BerthError(
        'FailedPrecondition',
        `remove ${v.name}: "${stillMounted[0]}" is still mounted; not deleting through it`,
      );
    this.records.delete(v.name);
    rmSync(dir, { recursive: true, force: true });
    this.publish('volume', 'destroy', v.name, { driver: v.driver });
    this.log.debug('volume removed', { volume: v.name });
  }
}

/** The attributes of dockerd's volume `mount` event (daemon/volumes.go). */
function mountAttributes(v: Volume, m: VolumeMount, containerId: string): Record<string, string> {
  return {
    container: containerId,
    destination: m.destination,
    driver: v.driver,
    propagation: '',
    'read/write': String(!m.readOnly),
  };
}

function checkName(name: string): void {
  if (!VOLUME_NAME.test(name))
    throw new BerthError(
      'InvalidArgument',
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
}

/** The labels filters see: the stored ones plus docker's anonymous marker. */
function dockerLabels(v: Volume): Record<string, string> {
  return v.anonymous ? { ...v.labels, [ANONYMOUS_LABEL]: '' } : v.labels;
}

/** Bytes of the regular files under `dir` (symlinks not followed; mount points crossed, as du without -x). */
export function directorySize(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) total += directorySize(path);
    else if (st.isFile()) total += st.size;
  }
  return total;
}
