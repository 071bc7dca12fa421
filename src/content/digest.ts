// Digests as the OCI image spec defines them (descriptor.md "Digests"): "<algorithm>:<encoded>", where the
// registered algorithms are sha256 (64 lowercase hex) and sha512 (128 lowercase hex).
import { createHash, type Hash } from 'node:crypto';
import { BerthError } from '../base/errors.js';
import type { Digest } from './types.js';

/** The algorithms the store accepts; the key is the digest prefix, the value Node's hash name. */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;

/** A registered digest algorithm. */
export type Algorithm = keyof typeof ALGORITHMS;

/** The algorithm new ingests use when no expected digest is given. */
export const CANONICAL_ALGORITHM: Algorithm = 'sha256';

/** A digest split into its parts. */
export interface ParsedDigest {
  /** The algorithm, e.g. "sha256". */
  algorithm: Algorithm;
  /** The lowercase hex encoding. */
  hex: string;
}

/** Parses and validates a digest; InvalidArgument naming `what` (e.g. "digest") when malformed. */
export function parseDigest(digest: string, what = 'digest'): ParsedDigest {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (colon < 0 || !(algorithm in ALGORITHMS))
    throw new BerthError(
      'InvalidArgument',
      `${what} "${digest}": unsupported algorithm (want "sha256:" or "sha512:")`,
    );
  const length = ALGORITHMS[algorithm as Algorithm];
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex))
    throw new BerthError('InvalidArgument', `${what} "${digest}": want ${length} lowercase hex digits`);
  return { algorithm: algorithm as Algorithm, hex };
}

/** Whether `digest` is well formed. */
export function isDigest(digest: string): boolean {
  try {
    parseDigest(digest);
    return true;
  } catch {
    return false;
  }
}

/** A running hash that names its digest with its algorithm. */
export class Digester {
  private hash: Hash;

  constructor(readonly algorithm: Algorithm = CANONICAL_ALGORITHM) {
    this.hash = createHash(algorithm);
  }

  /** Feeds bytes. */
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }

  /** The digest of everything fed so far; the digester stays usable. */
  digest(): Digest {
    return `${this.algorithm}:${this.hash.copy().digest('hex')}`;
  }

  /** Starts over from no bytes. */
  reset(): void {
    this.hash = createHash(this.algorithm);
  }
}

/** The digest of a buffer (sha256 unless told otherwise). */
export function digestOf(data: Uint8Array | string, algorithm: Algorithm = CANONICAL_ALGORITHM): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}
