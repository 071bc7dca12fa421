// The layer unpacker on real files as root: owners, modes, times, xattrs, links, devices, whiteouts in both
// forms, gzip and zstd, digests, corrupt streams. The malicious-layer suite is unpack-hostile.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { native } from '../../../src/base/native.js';
import type { UnpackOptions } from '../../../src/images/unpack/index.js';
import { type TarEntry, writeTar } from '../../fixtures/tar.js';
import {
  MTIME,
  OCI_GZIP,
  OCI_TAR,
  OCI_ZSTD,
  dirs,
  removeWork,
  sha256,
  skip,
  unpack,
  zstd,
} from './unpack-harness.js';

after(removeWork);

const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_bind_service, effective

const RICH: TarEntry[] = [
  { type: 'dir', path: 'etc', mode: 0o755, mtime: MTIME },
  {
    type: 'file',
    path: 'etc/hosts',
    data: Buffer.from('127.0.0.1 localhost\n'),
    mode: 0o644,
    uid: 1000,
    gid: 1001,
    mtime: MTIME,
  },
  { type: 'dir', path: 'bin', mode: 0o711, uid: 2, gid: 3, mtime: MTIME + 1 },
  { type: 'file', path: 'bin/su', data: Buffer.alloc(3000, 7), mode: 0o4755, mtime: MTIME },
  {
    type: 'file',
    path: 'bin/ping',
    data: Buffer.from('ping'),
    mode: 0o755,
    xattrs: { 'security.capability': CAP, 'user.note': 'hi' },
  },
  { type: 'hardlink', path: 'bin/su2', target: 'bin/su' },
  { type: 'symlink', path: 'bin/sh', target: '/bin/busybox', uid: 5, gid: 6, mtime: MTIME + 2 },
  { type: 'dir', path: 'dev', mode: 0o755 },
  { type: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
  { type: 'block', path: 'dev/loop9', major: 7, minor: 9, mode: 0o660, gid: 6 },
  { type: 'fifo', path: 'dev/fifo', mode: 0o620 },
  { type: 'dir', path: 'tmp', mode: 0o1777, mtime: MTIME + 3, xattrs: { 'user.dir': 'd' } },
  { type: 'file', path: 'deep/er/file', data: Buffer.from('x') }, // parents not listed: created 0755
  { type: 'file', path: `long/${'n'.repeat(120)}/${'m'.repeat(120)}`, data: Buffer.from('long') },
];

describe('unpack', { skip }, () => {
  for (const [label, mediaType, compress] of [
    ['tar', OCI_TAR, (b: Buffer) => b],
    ['gzip', OCI_GZIP, (b: Buffer) => gzipSync(b)],
    ['zstd', OCI_ZSTD, zstd],
  ] as const) {
    it(`keeps owners, modes, times, xattrs, links and devices (${label})`, async () => {
      const { target } = dirs();
      const tar = writeTar(RICH);
      const blob = compress(tar);
      const r = await unpack(blob, target, { mediaType, digest: sha256(blob), diffId: sha256(tar) });
      assert.equal(r.diffId, sha256(tar));
      assert.equal(r.digest, sha256(blob));
      assert.equal(r.size, blob.length);
      assert.equal(r.entries, RICH.length);

      const hosts = statSync(join(target, 'etc/hosts'));
      assert.deepEqual(
        [hosts.uid, hosts.gid, hosts.mode & 0o7777, hosts.mtimeMs / 1000],
        [1000, 1001, 0o644, MTIME],
      );
      assert.equal(readFileSync(join(target, 'etc/hosts'), 'utf8'), '127.0.0.1 localhost\n');
      const bin = statSync(join(target, 'bin'));
      assert.deepEqual([bin.uid, bin.gid, bin.mode & 0o7777, bin.mtimeMs / 1000], [2, 3, 0o711, MTIME + 1]);
      assert.equal(statSync(join(target, 'bin/su')).mode & 0o7777, 0o4755);
      assert.equal(statSync(join(target, 'bin/su2')).ino, statSync(join(target, 'bin/su')).ino);
      assert.deepEqual(native().lgetxattr(join(target, 'bin/ping'), 'security.capability'), CAP);
      assert.equal(native().lgetxattr(join(target, 'bin/ping'), 'user.note')?.toString(), 'hi');
      assert.equal(native().lgetxattr(join(target, 'tmp'), 'user.dir')?.toString(), 'd');
      const sh = lstatSync(join(target, 'bin/sh'));
      assert.ok(sh.isSymbolicLink());
      assert.equal(readlinkSync(join(target, 'bin/sh')), '/bin/busybox');
      assert.deepEqual([sh.uid, sh.gid, sh.mtimeMs / 1000], [5, 6, MTIME + 2]);
      const nul = lstatSync(join(target, 'dev/null'));
      assert.ok(nul.isCharacterDevice());
      assert.equal(nul.rdev, Number(0x103));
      assert.equal(nul.mode & 0o7777, 0o666);
      const loop = lstatSync(join(target, 'dev/loop9'));
      assert.ok(loop.isBlockDevice());
      assert.deepEqual([loop.gid, loop.mode & 0o7777], [6, 0o660]);
      const fifo = lstatSync(join(target, 'dev/fifo'));
      assert.ok(fifo.isFIFO());
      assert.equal(fifo.mode & 0o7777, 0o620);
      const tmp = statSync(join(target, 'tmp'));
      assert.deepEqual([tmp.mode & 0o7777, tmp.mtimeMs / 1000], [0o1777, MTIME + 3]);
      assert.equal(statSync(join(target, 'deep/er')).mode & 0o7777, 0o755);
      assert.equal(readFileSync(join(target, `long/${'n'.repeat(120)}/${'m'.repeat(120)}`), 'utf8'), 'long');
    });
  }

  it('writes whiteouts and opaque directories in overlay form, and drops trusted.overlay.* from the layer', async () => {
    const { target } = dirs();
    const tar = writeTar([
      { type: 'file', path: '.wh.gone', data: Buffer.alloc(0) },
      { type: 'dir', path: 'opq', xattrs: { 'trusted.overlay.redirect': '/elsewhere' } },
      { type: 'file', path: 'opq/.wh..wh..opq', data: Buffer.alloc(0) },
      { type: 'file', path: 'opq/kept', data: Buffer.from('k') },
      { type: 'file', path: 'sub/.wh.x', data: Buffer.alloc(0) },
      { type: 'file', path: '.wh..wh.plnk', data: Buffer.alloc(0) },
    ]);
    const r = await unpack(tar, target);
    assert.equal(r.whiteouts, 4);
    const gone = lstatSync(join(target, 'gone'));
    assert.ok(gone.isCharacterDevice());
    assert.equal(gone.rdev, 0);
    assert.ok(lstatSync(join(target, 'sub/x')).isCharacterDevice());
    assert.equal(native().lgetxattr(join(target, 'opq'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(native().lgetxattr(join(target, 'opq'), 'trusted.overlay.redirect'), null);
    assert.deepEqual(readdirSync(join(target, 'opq')), ['kept']);
    assert.deepEqual(readdirSync(target).sort(), ['gone', 'opq', 'sub']);
  });

  it('applies whiteouts and opaque directories as deletions over lower layers', async () => {
    const { target } = dirs();
    await unpack(
      writeTar([
        { type: 'file', path: 'a', data: Buffer.from('a') },
        { type: 'dir', path: 'd' },
        { type: 'file', path: 'd/old1', data: Buffer.from('1') },
        { type: 'dir', path: 'd/old2' },
        { type: 'file', path: 'd/old2/f', data: Buffer.from('2') },
        { type: 'file', path: 'keep', data: Buffer.from('k') },
      ]),
      target,
      { whiteouts: 'apply' },
    );
    await unpack(
      writeTar([
        { type: 'file', path: 'd/new-before', data: Buffer.from('n') },
        { type: 'file', path: 'd/.wh..wh..opq', data: Buffer.alloc(0) },
        { type: 'file', path: 'd/new-after', data: Buffer.from('n') },
        { type: 'file', path: '.wh.a', data: Buffer.alloc(0) },
        { type: 'file', path: '.wh.never-existed', data: Buffer.alloc(0) },
      ]),
      target,
      { whiteouts: 'apply' },
    );
    assert.deepEqual(readdirSync(target).sort(), ['d', 'keep']);
    assert.deepEqual(readdirSync(join(target, 'd')).sort(), ['new-after', 'new-before']);
  });

  it('replaces earlier entries: a file over a directory, a directory over a symlink', async () => {
    const { target, outside } = dirs();
    await unpack(
      writeTar([
        { type: 'dir', path: 'x' },
        { type: 'file', path: 'x/in', data: Buffer.from('1') },
        { type: 'file', path: 'x', data: Buffer.from('now a file') },
        { type: 'symlink', path: 'y', target: outside },
        { type: 'dir', path: 'y' },
        { type: 'file', path: 'y/f', data: Buffer.from('inside') },
      ]),
      target,
    );
    assert.equal(readFileSync(join(target, 'x'), 'utf8'), 'now a file');
    assert.ok(lstatSync(join(target, 'y')).isDirectory());
    assert.equal(readFileSync(join(target, 'y/f'), 'utf8'), 'inside');
    assert.deepEqual(readdirSync(outside), ['secret']);
  });

  it('reports a truncated stream, a wrong digest and a wrong diff ID, and empties the target', async () => {
    const tar = writeTar(RICH);
    const gz = gzipSync(tar);
    const cases: [Buffer, Partial<UnpackOptions>, RegExp][] = [
      [
        gz.subarray(0, gz.length - 100),
        { mediaType: OCI_GZIP },
        /^unpack layer: gzip: unexpected end of file$/,
      ],
      [
        tar.subarray(0, 2000),
        {},
        /^unpack layer: tar at byte 1536: unexpected end of archive \(truncated header\)$/,
      ],
      [
        tar.subarray(0, 1200),
        {},
        /^unpack layer: tar at byte 1044: unexpected end of archive \(truncated padding\)$/,
      ],
      [
        tar.subarray(0, 3000),
        {},
        /^unpack layer: tar at byte 3000: unexpected end of archive \(truncated file content\)$/,
      ],
      [
        gz,
        { mediaType: OCI_GZIP, digest: sha256(tar) },
        /^unpack layer "sha256:[0-9a-f]{64}": digest mismatch: got "sha256:/,
      ],
      [gz, { mediaType: OCI_GZIP, diffId: sha256(gz) }, /^unpack layer: diff ID mismatch: expected "sha256:/],
      [
        Buffer.from('not a layer at all, just text'),
        {},
        /^unpack layer: tar at byte 0: unexpected end of archive \(truncated header\)$/,
      ],
    ];
    for (const [blob, opts, message] of cases) {
      const { target } = dirs();
      await assert.rejects(unpack(blob, target, opts), { name: 'BerthError', message });
      assert.deepEqual(readdirSync(target), []);
    }
  });

  it('checks a sha512 blob digest in its own algorithm', async () => {
    const gz = gzipSync(writeTar(RICH));
    const sha512 = `sha512:${createHash('sha512').update(gz).digest('hex')}`;
    const { target } = dirs();
    const r = await unpack(gz, target, { mediaType: OCI_GZIP, digest: sha512 });
    assert.equal(r.digest, sha512);
    const other = dirs();
    await assert.rejects(
      unpack(gz, other.target, { mediaType: OCI_GZIP, digest: `sha512:${'0'.repeat(128)}` }),
      {
        message: `unpack layer "sha512:${'0'.repeat(128)}": digest mismatch: got "${sha512}" (${gz.length} bytes)`,
      },
    );
  });

  it('refuses an unknown media type by name', async () => {
    const { target } = dirs();
    await assert.rejects(unpack(writeTar(RICH), target, { mediaType: 'text/plain' }), {
      code: 'InvalidArgument',
      message: 'unpack layer: layer media type "text/plain": not supported',
    });
  });
});
