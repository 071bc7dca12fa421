// Shared by the unpack tests: a work dir per file, a fresh target with an "outside" sibling per test, and
// unpackLayer fed in small chunks (so entries straddle chunk boundaries).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type UnpackOptions, type UnpackResult, unpackLayer } from '../../../src/images/unpack/index.js';

/** Why the unpack tests skip (they need root). */
export const skip = process.getuid?.() === 0 ? false : 'needs root (owners, devices, trusted xattrs)';
/** Layer media types. */
export const OCI_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
/** A fixed mtime for entries. */
export const MTIME = 1600000000;

/** sha256:<hex> of bytes. */
export function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** zstd-compressed bytes. */
export function zstd(data: Buffer): Buffer {
  const r = spawnSync('zstd', ['-c', '-q'], { input: data, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

/** A blob as a stream of small chunks, so entries straddle chunk boundaries. */
export function chunked(data: Buffer, size = 700): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

let work: string | undefined;
let n = 0;

/** The per-file work dir (made on first use); removeWork() deletes it. */
export function workDir(): string {
  work ??= mkdtempSync(join(tmpdir(), 'berth-unpack-'));
  return work;
}

/** Deletes the work dir. */
export function removeWork(): void {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  work = undefined;
}
/** A fresh target dir and a sibling "outside" dir holding one file that a hostile layer must not touch. */
export function dirs(): { target: string; outside: string } {
  const base = join(workDir(), String(n++));
  const target = join(base, 'target');
  const outside = join(base, 'outside');
  mkdirSync(target, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'secret');
  return { target, outside };
}

/** unpackLayer of `blob` into `target`, OCI tar and overlay whiteouts unless `opts` says otherwise. */
export function unpack(
  blob: Buffer,
  target: string,
  opts: Partial<UnpackOptions> = {},
): Promise<UnpackResult> {
  return unpackLayer(chunked(blob), target, { mediaType: OCI_TAR, whiteouts: 'overlay', ...opts });
}
