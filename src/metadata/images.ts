// Image records of one namespace (containerd's images.Store): a name (a normalised reference such as
// "docker.io/library/busybox:latest", or any name the caller chooses) pointing at a target descriptor
// (OCI image-spec descriptor.md: an index, a manifest list, or a manifest). The target and everything it
// references are garbage-collection roots (gc.ts).
import { BerthError } from '../base/errors.js';
import { parseDigest } from '../content/index.js';
import { applyLabelPaths, checkLabels } from '../snapshots/index.js';
import type { SqliteDatabase } from './database.js';
import { fromJson, insertOrAlreadyExists, nowText, toJson } from './row-codec.js';

/** An OCI descriptor (image-spec descriptor.md), the fields Berth keeps. */
export interface Descriptor {
  /** e.g. "application/vnd.oci.image.index.v1+json". */
  mediaType: string;
  /** The content's digest. */
  digest: string;
  /** The content's size in bytes. */
  size: number;
  /** Annotations of the descriptor. */
  annotations?: Record<string, string>;
}

/** An image record. */
export interface Image {
  /** The image's name, unique in its namespace. */
  name: string;
  /** What the name points at. */
  target: Descriptor;
  /** Labels. */
  labels: Record<string, string>;
  /** When the record was made. */
  createdAt: Date;
  /** When it last changed. */
  updatedAt: Date;
}

/** What to create: an image without its times. */
export type NewImage = Omit<Image, 'createdAt' | 'updatedAt' | 'labels'> & {
  labels?: Record<string, string>;
};

/** Filters for list (all optional, all must hold). */
export interface ImageFilter {
  /** Exact name. */
  name?: string;
  /** Target digest (every name of one image). */
  targetDigest?: string;
  /** Labels that must be present with these values. */
  labels?: Record<string, string>;
}

/** The images of one namespace. */
export class Images {
  constructor(
    private readonly db: SqliteDatabase,
    readonly namespace: string,
    private readonly ensureNamespace: () => void,
  ) {}

  /** One image; NotFound if absent. */
  get(name: string): Image {
    const row = this.db
      .prepare('SELECT * FROM images WHERE namespace = ? AND name = ?')
      .get(this.namespace, name) as Row | undefined;
    if (!row) throw new BerthError('NotFound', `image "${name}": not found`);
    return toImage(row);
  }

  /** Images passing the filter, by name. */
  list(filter: ImageFilter = {}): Image[] {
    const rows = this.db
      .prepare('SELECT * FROM images WHERE namespace = ? ORDER BY name')
      .all(this.namespace) as Row[];
    return rows
      .map(toImage)
      .filter((i) => filter.name === undefined || i.name === filter.name)
      .filter((i) => filter.targetDigest === undefined || i.target.digest === filter.targetDigest)
      .filter((i) => Object.entries(filter.labels ?? {}).every(([k, v]) => i.labels[k] === v));
  }

  /** Creates an image; AlreadyExists if the name is taken. */
  create(image: NewImage): Image {
    checkImage(image);
    this.ensureNamespace();
    const now = nowText();
    const t = image.target;
    insertOrAlreadyExists(
      () =>
        this.db
          .prepare(
            `INSERT INTO images (namespace, name, target_media_type, target_digest, target_size, target_annotations,
               labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            this.namespace,
            image.name,
            t.mediaType,
            t.digest,
            t.size,
            toJson(t.annotations ?? {}),
            toJson(image.labels ?? {}),
            now,
            now,
          ),
      `image "${image.name}": already exists`,
    );
    return this.get(image.name);
  }

  /**
   * Updates an image: fieldpaths "target", "labels" or "labels.<key>"; no fieldpaths updates target and
   * labels both. NotFound if absent.
   */
  update(
    image: Pick<Image, 'name'> & Partial<Pick<Image, 'target' | 'labels'>>,
    fieldpaths?: string[],
  ): Image {
    return this.db
      .transaction(() => {
        const current = this.get(image.name);
        const paths = fieldpaths && fieldpaths.length > 0 ? fieldpaths : ['target', 'labels'];
        const target = paths.includes('target') && image.target ? image.target : current.target;
        const labelPaths = paths.filter((p) => p === 'labels' || p.startsWith('labels.'));
        const unknown = paths.filter((p) => p !== 'target' && !labelPaths.includes(p));
        if (unknown.length > 0)
          throw new BerthError(
            'InvalidArgument',
            `image "${image.name}": field path "${unknown[0]}" cannot be updated`,
          );
        const labels =
          labelPaths.length > 0
            ? applyLabelPaths(current.labels, image.labels ?? {}, labelPaths)
            : current.labels;
        checkImage({ name: image.name, target, labels });
        this.db
          .prepare(
            `UPDATE images SET target_media_type = ?, target_digest = ?, target_size = ?, target_annotations = ?,
               labels = ?, updated_at = ? WHERE namespace = ? AND name = ?`,
          )
          .run(
            target.mediaType,
            target.digest,
            target.size,
            toJson(target.annotations ?? {}),
            toJson(labels),
            nowText(),
            this.namespace,
            image.name,
          );
        return this.get(image.name);
      })
      .immediate();
  }

  /** Deletes an image record (its content goes at the next garbage collection); NotFound if absent. */
  delete(name: string): void {
    const result = this.db
      .prepare('DELETE FROM images WHERE namespace = ? AND name = ?')
      .run(this.namespace, name);
    if (result.changes === 0) throw new BerthError('NotFound', `image "${name}": not found`);
  }
}

interface Row {
  name: string;
  target_media_type: string;
  target_digest: string;
  target_size: number;
  target_annotations: string;
  labels: string;
  created_at: string;
  updated_at: string;
}

function toImage(row: Row): Image {
  const annotations = fromJson<Record<string, string>>(row.target_annotations, {});
  return {
    name: row.name,
    target: {
      mediaType: row.target_media_type,
      digest: row.target_digest,
      size: row.target_size,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    labels: fromJson(row.labels, {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function checkImage(image: NewImage): void {
  if (typeof image.name !== 'string' || image.name === '')
    throw new BerthError('InvalidArgument', 'image name: must not be empty');
  const t = image.target;
  if (!t || typeof t.mediaType !== 'string' || t.mediaType === '')
    throw new BerthError('InvalidArgument', `image "${image.name}": target.mediaType must not be empty`);
  parseDigest(t.digest, `image "${image.name}": target.digest`);
  if (!Number.isSafeInteger(t.size) || t.size < 0)
    throw new BerthError(
      'InvalidArgument',
      `image "${image.name}": target.size "${t.size}" is not a size in bytes`,
    );
  checkLabels(image.labels ?? {}, `image "${image.name}"`);
}
