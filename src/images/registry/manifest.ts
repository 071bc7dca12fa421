// Parsing and checking manifests and indexes as they come off the wire. The media type comes from the
// document's own "mediaType" when present (image-spec manifest.md: it SHOULD be there, and when present
// MUST match), else from the response's Content-Type, else from the shape of the document, as containerd's
// remotes/docker resolver does for registries that answer "application/json".
import { BerthError } from '../../base/errors.js';
import { isDigest } from '../reference/index.js';
import { DOCKER_SCHEMA1, OCI_INDEX, OCI_MANIFEST, isIndex, isManifest } from './media-types.js';
import type { Descriptor } from './types.js';

/** An image manifest (OCI or Docker schema 2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An index (OCI image index or Docker manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** A parsed manifest document of either kind. */
export type ParsedManifest =
  { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

function bad(what: string, why: string): BerthError {
  return new BerthError('InvalidArgument', `${what}: ${why}`);
}

/** Checks a descriptor's required fields (descriptor.md). */
export function checkDescriptor(d: unknown, what: string): Descriptor {
  const desc = d as Partial<Descriptor> | null;
  if (desc === null || typeof desc !== 'object') throw bad(what, 'descriptor is not an object');
  if (typeof desc.mediaType !== 'string' || desc.mediaType === '')
    throw bad(what, 'descriptor without "mediaType"');
  if (typeof desc.digest !== 'string' || !isDigest(desc.digest))
    throw bad(what, `descriptor with an invalid digest "${String(desc.digest)}"`);
  if (typeof desc.size !== 'number' || !Number.isSafeInteger(desc.size) || desc.size < 0)
    throw bad(what, `descriptor "${desc.digest}" with an invalid size`);
  return desc as Descriptor;
}

/** Parses `bytes` (what `what` names, e.g. `manifest "x@sha256:..."`) given the response's content type. */
export function parseManifest(bytes: Buffer, contentType: string, what: string): ParsedManifest {
  const ct = contentType.split(';')[0]?.trim() ?? '';
  if (DOCKER_SCHEMA1.includes(ct))
    throw new BerthError(
      'FailedPrecondition',
      `${what}: Docker schema 1 manifests are not supported (deprecated; push the image again with a current client)`,
    );
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad(what, `invalid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad(what, 'not a JSON object');
  if (doc.schemaVersion === 1)
    throw new BerthError(
      'FailedPrecondition',
      `${what}: Docker schema 1 manifests are not supported (deprecated; push the image again with a current client)`,
    );
  if (doc.schemaVersion !== 2)
    throw bad(what, `unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)}`);
  let mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : '';
  if (mediaType === '') {
    if (isIndex(ct) || isManifest(ct)) mediaType = ct;
    else if (Array.isArray(doc.manifests)) mediaType = OCI_INDEX;
    else if (doc.config !== undefined) mediaType = OCI_MANIFEST;
  }
  if (isIndex(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw bad(what, 'index without "manifests"');
    const manifests = doc.manifests.map((m, i) => checkDescriptor(m, `${what}: manifests[${i}]`));
    return {
      kind: 'index',
      index: { ...(doc as object), schemaVersion: 2, mediaType, manifests } as ImageIndex,
    };
  }
  if (isManifest(mediaType)) {
    const config = checkDescriptor(doc.config, `${what}: config`);
    if (!Array.isArray(doc.layers)) throw bad(what, 'manifest without "layers"');
    const layers = doc.layers.map((l, i) => checkDescriptor(l, `${what}: layers[${i}]`));
    return {
      kind: 'manifest',
      manifest: { ...(doc as object), schemaVersion: 2, mediaType, config, layers } as ImageManifest,
    };
  }
  throw bad(what, `unsupported manifest media type "${mediaType || ct}"`);
}
