// Detach keys (docker's term/escape.go ToBytes and the attach stream's escape proxy): a comma-separated
// sequence of `ctrl-<x>` or single characters, `ctrl-p,ctrl-q` by default. The server watches the stdin
// of an attach or exec for the sequence and ends the attachment when it has come, passing on bytes that
// only began it.
import { BerthError } from '../base/errors.js';

/** Docker's default: ctrl-p, ctrl-q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** The bytes of a detach key specification. */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim();
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (/^ctrl-[a-z@[\\\]^_]$/i.test(k)) {
      const c = k.slice(5).toLowerCase();
      out.push(c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 96 : '@[\\]^_'.indexOf(c) + (c === '@' ? 0 : 27));
    } else throw new BerthError('InvalidArgument', `Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(out);
}

/** Watches a byte stream for the sequence: `push` returns what to pass on, and whether it came. */
export class DetachWatcher {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** Bytes to forward, and `detach` once the whole sequence has been typed (nothing after it is sent). */
  push(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // A broken sequence: what was held back goes through, then this byte starts over.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
