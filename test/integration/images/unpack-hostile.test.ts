// The malicious-layer suite: every route out of the target (".." and absolute names, symlinks and hard links
// pointing out, writes through symlinks, a directory replaced by a symlink mid-archive, whiteouts through
// symlinks) must be refused with an error naming the entry; nothing may appear or change outside the
// target, and the target must be emptied. Both whiteout forms run every case.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type TarEntry, writeTar } from '../../fixtures/tar.js';
import { OCI_GZIP, OCI_ZSTD, dirs, removeWork, skip, unpack, zstd } from './unpack-harness.js';

after(removeWork);

describe('malicious layers', { skip }, () => {
  // Each layer tries one escape; `outside` is a sibling of the target holding "secret".
  const cases: [string, (outside: string) => TarEntry[], string][] = [
    [
      'a ".." name',
      () => [{ type: 'file', path: '../escape', data: Buffer.from('x') }],
      'entry "../escape": ".." in names is refused',
    ],
    [
      '".." in the middle',
      () => [{ type: 'file', path: 'a/../../escape', data: Buffer.from('x') }],
      'entry "a/../../escape": ".." in names is refused',
    ],
    [
      'an absolute name',
      (o) => [{ type: 'file', path: `${o}/pwned`, data: Buffer.from('x') }],
      'entry "OUT/pwned": absolute names are refused',
    ],
    [
      'a relative symlink climbing out',
      () => [{ type: 'symlink', path: 'l', target: '../outside' }],
      'entry "l": symlink to "../outside" points outside the target',
    ],
    [
      'a deep symlink climbing out',
      () => [
        { type: 'dir', path: 'a' },
        { type: 'symlink', path: 'a/l', target: '../../outside/secret' },
      ],
      'entry "a/l": symlink to "../../outside/secret" points outside the target',
    ],
    [
      'a write through an absolute symlink',
      (o) => [
        { type: 'symlink', path: 'l', target: o },
        { type: 'file', path: 'l/secret', data: Buffer.from('pwned') },
      ],
      'entry "l/secret": "l" resolves outside the target through a symlink',
    ],
    [
      'a write through a symlink chain',
      (o) => [
        { type: 'symlink', path: 'l1', target: o },
        { type: 'symlink', path: 'l2', target: 'l1' },
        { type: 'file', path: 'l2/new', data: Buffer.from('x') },
      ],
      'entry "l2/new": "l2" resolves outside the target through a symlink',
    ],
    [
      'a directory replaced by a symlink mid-archive',
      (o) => [
        { type: 'dir', path: 'd' },
        { type: 'file', path: 'd/ok', data: Buffer.from('x') },
        { type: 'symlink', path: 'd', target: o },
        { type: 'file', path: 'd/pwned', data: Buffer.from('x') },
      ],
      'entry "d/pwned": "d" resolves outside the target through a symlink',
    ],
    [
      'a directory entry through a symlink',
      (o) => [
        { type: 'symlink', path: 'l', target: o },
        { type: 'dir', path: 'l/newdir' },
      ],
      'entry "l/newdir/": "l" resolves outside the target through a symlink',
    ],
    [
      'a hard link with ".."',
      () => [{ type: 'hardlink', path: 'h', target: '../outside/secret' }],
      'hard link "h" to "../outside/secret": ".." in names is refused',
    ],
    [
      'a hard link to an absolute path',
      (o) => [{ type: 'hardlink', path: 'h', target: `${o}/secret` }],
      'hard link "h" to "OUT/secret": absolute names are refused',
    ],
    [
      'a hard link through a symlink',
      (o) => [
        { type: 'symlink', path: 'l', target: o },
        { type: 'hardlink', path: 'h', target: 'l/secret' },
      ],
      'entry "h": "l" resolves outside the target through a symlink',
    ],
    [
      'a whiteout through a symlink',
      (o) => [
        { type: 'symlink', path: 'l', target: o },
        { type: 'file', path: 'l/.wh.secret', data: Buffer.alloc(0) },
      ],
      'entry "l/.wh.secret": "l" resolves outside the target through a symlink',
    ],
    [
      'an opaque marker through a symlink',
      (o) => [
        { type: 'symlink', path: 'l', target: o },
        { type: 'file', path: 'l/.wh..wh..opq', data: Buffer.alloc(0) },
      ],
      'entry "l/.wh..wh..opq": "l" resolves outside the target through a symlink',
    ],
    [
      'a whiteout of ".."',
      () => [{ type: 'file', path: 'a/.wh...', data: Buffer.alloc(0) }],
      'whiteout "..": ".." in names is refused',
    ],
    [
      'a file under a file',
      () => [
        { type: 'file', path: 'f', data: Buffer.from('x') },
        { type: 'file', path: 'f/g', data: Buffer.from('x') },
      ],
      'entry "f/g": "f" is not a directory',
    ],
  ];
  for (const mode of ['overlay', 'apply'] as const) {
    for (const [label, entries, message] of cases) {
      it(`refuses ${label} (${mode})`, async () => {
        const { target, outside } = dirs();
        const tar = writeTar([{ type: 'file', path: 'first', data: Buffer.from('1') }, ...entries(outside)], {
          allowUnsafePaths: true,
        });
        await assert.rejects(
          unpack(gzipSync(tar), target, { whiteouts: mode, mediaType: OCI_GZIP }),
          (err: Error) => {
            assert.equal(err.name, 'BerthError');
            assert.equal(err.message.replaceAll(outside, 'OUT'), `unpack layer: ${message}`);
            return true;
          },
        );
        assert.deepEqual(readdirSync(outside), ['secret'], 'nothing appears outside');
        assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'secret', 'nothing is changed outside');
        assert.equal(statSync(join(outside, 'secret')).nlink, 1, 'nothing outside is linked');
        assert.deepEqual(readdirSync(target), [], 'the target is emptied');
        assert.ok(existsSync(target));
      });
    }
  }
});

describe('a refused zstd layer', { skip }, () => {
  it('leaves no decompressor running', async () => {
    const { target } = dirs();
    // The bad entry comes first; megabytes follow, so zstd still has output to give when the unpack stops.
    const big = Buffer.alloc(8 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const tar = writeTar(
      [
        { type: 'file', path: '../escape', data: Buffer.from('x') },
        { type: 'file', path: 'big', data: big },
      ],
      { allowUnsafePaths: true },
    );
    const blob = zstd(tar);
    await assert.rejects(unpack(blob, target, { mediaType: OCI_ZSTD }), {
      message: 'unpack layer: entry "../escape": ".." in names is refused',
    });
    const children = spawnSync('pgrep', ['-P', String(process.pid), 'zstd'], {
      encoding: 'utf8',
    }).stdout.trim();
    assert.equal(children, '', 'no zstd child left');
  });
});
