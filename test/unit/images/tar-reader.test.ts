// The streaming tar reader on crafted archives: pax and GNU extensions, base-256 numbers, corrupt headers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader } from '../../../src/images/unpack/byte-reader.js';
import { type TarHeader, TarReader } from '../../../src/images/unpack/tar-reader.js';
import { writeTar } from '../../fixtures/tar.js';

async function* chunks(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function readAll(
  data: Buffer,
  size = 97,
): Promise<{ headers: TarHeader[]; bodies: string[]; seen: number }> {
  let seen = 0;
  const reader = new TarReader(new ByteReader(chunks(data, size), (c) => (seen += c.length)));
  const headers: TarHeader[] = [];
  const bodies: string[] = [];
  for (let h = await reader.next(); h !== null; h = await reader.next()) {
    headers.push(h);
    let body = '';
    for await (const c of reader.body()) body += c.toString();
    bodies.push(body);
  }
  return { headers, bodies, seen };
}

/** A raw 512-byte header with a valid checksum. */
function rawHeader(name: string, flag: string, size: number, mutate?: (h: Buffer) => void): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write(flag, 156);
  h.write('ustar\0' + '00', 257);
  mutate?.(h);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

function padded(data: string): Buffer {
  const b = Buffer.from(data);
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

describe('TarReader', () => {
  it('reads files, dirs, links, long names (pax) and xattrs across chunk boundaries', async () => {
    const long = `${'d'.repeat(150)}/${'f'.repeat(150)}`;
    const tar = writeTar([
      { type: 'dir', path: 'a', mode: 0o750, uid: 7, gid: 8 },
      { type: 'file', path: 'a/f', data: Buffer.from('hello'), mtime: 1234 },
      { type: 'symlink', path: 'a/l', target: 'f' },
      { type: 'file', path: long, data: Buffer.from('x'.repeat(1000)), xattrs: { 'user.k': 'v' } },
      { type: 'char', path: 'null', major: 1, minor: 3 },
    ]);
    const { headers, bodies, seen } = await readAll(tar);
    assert.equal(seen, tar.length, 'the whole stream, end blocks included, passes through onBytes');
    assert.deepEqual(
      headers.map((h) => [h.name, h.type, h.mode, h.uid, h.gid]),
      [
        ['a/', 'dir', 0o750, 7, 8],
        ['a/f', 'file', 0o644, 0, 0],
        ['a/l', 'symlink', 0o777, 0, 0],
        [long, 'file', 0o644, 0, 0],
        ['null', 'char', 0o666, 0, 0],
      ],
    );
    assert.equal(headers[1]?.mtime, 1234);
    assert.equal(headers[2]?.linkname, 'f');
    assert.equal(headers[3]?.xattrs.get('user.k')?.toString(), 'v');
    assert.deepEqual([headers[4]?.devmajor, headers[4]?.devminor], [1, 3]);
    assert.deepEqual(bodies, ['', 'hello', '', 'x'.repeat(1000), '']);
  });

  it('skips bodies that are not read', async () => {
    const tar = writeTar([
      { type: 'file', path: 'big', data: Buffer.alloc(5000, 1) },
      { type: 'file', path: 'next', data: Buffer.from('n') },
    ]);
    const reader = new TarReader(new ByteReader(chunks(tar, 333), () => undefined));
    assert.equal((await reader.next())?.name, 'big');
    assert.equal((await reader.next())?.name, 'next');
    assert.equal(await reader.next(), null);
  });

  it('applies GNU long names and links, skips global pax headers, reads base-256 numbers', async () => {
    const longName = 'n'.repeat(300);
    const tar = Buffer.concat([
      rawHeader('pax_global_header', 'g', 20),
      padded('20 comment=ignored\n'),
      rawHeader('././@LongLink', 'L', longName.length + 1),
      padded(longName + '\0'),
      rawHeader('short', '0', 0, (h) => {
        h[108] = 0x80; // uid in base-256: 0x80 00 .. 01 00 00 = 65536
        h.fill(0, 109, 116);
        h[113] = 1;
      }),
      rawHeader('././@LongLink', 'K', 5),
      padded('tgt\0\0'),
      rawHeader('lnk', '2', 0),
      Buffer.alloc(1024),
    ]);
    const { headers } = await readAll(tar);
    assert.deepEqual(
      headers.map((h) => [h.name, h.type, h.uid, h.linkname]),
      [
        [longName, 'file', 65536, ''],
        ['lnk', 'symlink', 0, 'tgt'],
      ],
    );
  });

  it('refuses a bad checksum, a sparse file and an unknown type, naming the offset', async () => {
    const bad = rawHeader('f', '0', 0);
    bad[0] = 0x67; // changes the name after the checksum was computed
    await assert.rejects(readAll(Buffer.concat([bad, Buffer.alloc(1024)])), {
      message: 'tar at byte 0: invalid header checksum',
    });
    await assert.rejects(readAll(Buffer.concat([rawHeader('s', 'S', 0), Buffer.alloc(1024)])), {
      message: 'tar at byte 0: unsupported GNU sparse file for "s"',
    });
    await assert.rejects(readAll(Buffer.concat([rawHeader('v', 'V', 0), Buffer.alloc(1024)])), {
      message: 'tar at byte 0: unsupported header type "V" for "v"',
    });
    await assert.rejects(readAll(Buffer.concat([rawHeader('x', 'x', 2 << 20)]), 512), {
      message: 'tar at byte 0: extended header of 2097152 bytes is too large',
    });
  });
});
