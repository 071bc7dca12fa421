// Content digests as image references and descriptors carry them: "<algorithm>:<encoded>".
// Grammar and registered algorithms: OCI image-spec descriptor.md "Digests" (sha256, sha512) and
// go-digest (docker's, which also accepts sha384). Encoded parts of registered algorithms are lowercase hex
// of the exact length; "invalid checksum digest format" and friends are go-digest's own words.
import { BerthError } from '../../base/errors.js';

/** Hex length of each registered algorithm's encoded part. */
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** descriptor.md: algorithm-component (separator algorithm-component)* ":" encoded. */
const DIGEST_FORMAT = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** A parsed digest. */
export interface Digest {
  /** e.g. "sha256". */
  algorithm: string;
  /** The lowercase hex part. */
  hex: string;
}

/** Parses and validates `value` ("sha256:<64 hex>"); `what` names it in errors (e.g. a reference). */
export function parseDigest(value: string, what = `digest "${value}"`): Digest {
  if (!DIGEST_FORMAT.test(value))
    throw new BerthError('InvalidArgument', `${what}: invalid checksum digest format`);
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  const length = HEX_LENGTH[algorithm];
  if (length === undefined) throw new BerthError('InvalidArgument', `${what}: unsupported digest algorithm`);
  if (!/^[a-f0-9]+$/.test(hex))
    throw new BerthError('InvalidArgument', `${what}: invalid checksum digest format`);
  if (hex.length !== length)
    throw new BerthError('InvalidArgument', `${what}: invalid checksum digest length`);
  return { algorithm, hex };
}

/** Whether `value` is a valid digest. */
export function isDigest(value: string): boolean {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}
