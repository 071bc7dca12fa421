// Volume records of one namespace (issue 7): named and anonymous volumes of the local driver, and which
// containers mount them. A volume that a container mounts cannot be removed (the database refuses it
// through container_volumes' foreign key, and this names the container); the mounts go with their
// container (ON DELETE CASCADE), so removing a container frees its volumes.
import { BerthError } from '../base/errors.js';
import { checkLabels } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import { fromJson, isForeignKeyViolation, isUniqueViolation, nowText, toJson } from './row-codec.js';

/** A volume. */
export interface Volume {
  /** Unique in the namespace (64 hex for anonymous volumes, as Docker names them). */
  name: string;
  /** "local". */
  driver: string;
  /** The directory holding its data: <root>/volumes/<name>/_data. */
  mountpoint: string;
  /** Driver options (local driver: type, device, o). */
  options: Record<string, string>;
  labels: Record<string, string>;
  /** Made for an image's VOLUME or an unnamed -v; `rm -v` removes it with its container. */
  anonymous: boolean;
  createdAt: Date;
}

/** What create needs. */
export type NewVolume = Pick<Volume, 'name' | 'mountpoint'> &
  Partial<Omit<Volume, 'name' | 'mountpoint' | 'createdAt'>>;

/** A container's mount of a volume. */
export interface VolumeMount {
  containerId: string;
  volumeName: string;
  /** The path inside the container. */
  destination: string;
  readOnly: boolean;
}

/** The volumes of one namespace. */
export class Volumes {
  constructor(
    private readonly db: SqliteDatabase,
    readonly namespace: string,
    private readonly ensureNamespace: () => void,
  ) {}

  /** Creates a volume; AlreadyExists if the name is taken. */
  create(v: NewVolume): Volume {
    if (!v.name) throw new BerthError('InvalidArgument', 'volume name: must not be empty');
    if (!v.mountpoint)
      throw new BerthError('InvalidArgument', `volume "${v.name}": mountpoint must not be empty`);
    checkLabels(v.labels ?? {}, `volume "${v.name}"`);
    this.ensureNamespace();
    try {
      this.db
        .prepare(
          `INSERT INTO volumes (namespace, name, driver, mountpoint, options, labels, anonymous, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          this.namespace,
          v.name,
          v.driver ?? 'local',
          v.mountpoint,
          toJson(v.options ?? {}),
          toJson(v.labels ?? {}),
          v.anonymous ? 1 : 0,
          nowText(),
        );
    } catch (err) {
      if (isUniqueViolation(err)) throw new BerthError('AlreadyExists', `volume "${v.name}": already exists`);
      throw err;
    }
    return this.get(v.name);
  }

  /** A volume; NotFound if absent. */
  get(name: string): Volume {
    const row = this.db
      .prepare('SELECT * FROM volumes WHERE namespace = ? AND name = ?')
      .get(this.namespace, name) as VolumeRow | undefined;
    if (!row) throw new BerthError('NotFound', `volume "${name}": not found`);
    return toVolume(row);
  }

  /** Every volume, by name. */
  list(): Volume[] {
    return (
      this.db
        .prepare('SELECT * FROM volumes WHERE namespace = ? ORDER BY name')
        .all(this.namespace) as VolumeRow[]
    ).map(toVolume);
  }

  /** Deletes a volume no container mounts; FailedPrecondition naming a container that does. */
  delete(name: string): void {
    this.get(name);
    const user = this.usersOf(name)[0];
    if (user)
      throw new BerthError(
        'FailedPrecondition',
        `volume "${name}": in use by container "${user.containerId}"`,
      );
    this.db.prepare('DELETE FROM volumes WHERE namespace = ? AND name = ?').run(this.namespace, name);
  }

  /** Records that a container mounts a volume at `destination`; NotFound for a missing volume or container. */
  attach(m: VolumeMount): void {
    try {
      this.db
        .prepare(
          'INSERT INTO container_volumes (namespace, container_id, volume_name, destination, read_only) VALUES (?, ?, ?, ?, ?)',
        )
        .run(this.namespace, m.containerId, m.volumeName, m.destination, m.readOnly ? 1 : 0);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new BerthError(
          'AlreadyExists',
          `container "${m.containerId}": duplicate mount point "${m.destination}"`,
        );
      if (!isForeignKeyViolation(err)) throw err;
      this.get(m.volumeName);
      throw new BerthError('NotFound', `container "${m.containerId}": not found`);
    }
  }

  /** Forgets every mount of a container (before its volumes are released; the row's removal does it too). */
  detachAll(containerId: string): void {
    this.db
      .prepare('DELETE FROM container_volumes WHERE namespace = ? AND container_id = ?')
      .run(this.namespace, containerId);
  }

  /** The containers that mount a volume. */
  usersOf(name: string): VolumeMount[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM container_volumes WHERE namespace = ? AND volume_name = ? ORDER BY container_id, destination',
      )
      .all(this.namespace, name) as MountRow[];
    return rows.map(toMount);
  }

  /** The volumes a container mounts. */
  mountsOf(containerId: string): VolumeMount[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM container_volumes WHERE namespace = ? AND container_id = ? ORDER BY destination',
      )
      .all(this.namespace, containerId) as MountRow[];
    return rows.map(toMount);
  }
}

interface VolumeRow {
  name: string;
  driver: string;
  mountpoint: string;
  options: string;
  labels: string;
  anonymous: number;
  created_at: string;
}

interface MountRow {
  container_id: string;
  volume_name: string;
  destination: string;
  read_only: number;
}

function toVolume(r: VolumeRow): Volume {
  return {
    name: r.name,
    driver: r.driver,
    mountpoint: r.mountpoint,
    options: fromJson(r.options, {}),
    labels: fromJson(r.labels, {}),
    anonymous: r.anonymous !== 0,
    createdAt: new Date(r.created_at),
  };
}

function toMount(r: MountRow): VolumeMount {
  return {
    containerId: r.container_id,
    volumeName: r.volume_name,
    destination: r.destination,
    readOnly: r.read_only !== 0,
  };
}
