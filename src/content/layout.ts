// Where the plain content store keeps things under its root (DESIGN.md "State on disk"):
//
//   <root>/content/
//     blobs/<algorithm>/<hex>     committed blobs: complete, verified, mode 0444, never modified in place
//     ingest/<sha256 of ref>/     one directory per ingest (the ref itself may hold any character)
//       ref                       the ref, as the caller gave it
//       meta.json                 {"expected"?: digest, "total": bytes (0 = unknown), "startedAt": RFC 3339}
//       data                      the bytes written so far; its size is the ingest's offset
//     ingest/.new-<random>/       an ingest being created, renamed into place when complete; a leftover
//                                 one is a crash during creation and is removed by the next sweep
//     locks/<sha256 of name>      writer locks (ref-lock.ts): {"pid", "start", "name"}
//
// A blob becomes visible only by rename(2) of a fully written, fsynced data file, followed by an fsync of
// blobs/<algorithm>/, so after any crash a blob is either absent or whole.
import { join } from 'node:path';
import { digestOf, parseDigest } from './digest.js';

/** Paths of one content store root. */
export class ContentLayout {
  /** <root>/content. */
  readonly dir: string;
  /** <root>/content/blobs. */
  readonly blobs: string;
  /** <root>/content/ingest. */
  readonly ingests: string;
  /** <root>/content/locks. */
  readonly locks: string;

  constructor(root: string) {
    this.dir = join(root, 'content');
    this.blobs = join(this.dir, 'blobs');
    this.ingests = join(this.dir, 'ingest');
    this.locks = join(this.dir, 'locks');
  }

  /** blobs/<algorithm>/<hex> of a (validated) digest. */
  blob(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.blobs, algorithm, hex);
  }

  /** ingest/<sha256 of ref>. */
  ingest(ref: string): string {
    return join(this.ingests, digestOf(ref).slice('sha256:'.length));
  }
}
