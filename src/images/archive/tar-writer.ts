// A streaming tar writer for image archives (docker save): POSIX ustar headers (pax(1) "ustar Interchange
// Format"), 512-byte blocks, contents padded to a block, two zero blocks at the end. Archive member names
// here are short ("blobs/sha256/<64 hex>" is 77 bytes), so no pax or GNU long-name records are needed;
// a longer name is refused rather than cut. Sizes past ustar's 11 octal digits (8 GiB) use the base-256
// form GNU tar and Go's archive/tar read.
import { BerthError } from '../../base/errors.js';

const BLOCK = 512;

/** One member of the archive. */
export interface TarMember {
  name: string;
  /** Directories have no content. */
  type: 'file' | 'dir';
  /** For files: the size, and the bytes (a buffer, or chunks that add up to the size). */
  size?: number;
  data?: Buffer | (() => AsyncIterable<Uint8Array>);
  mode?: number;
  /** Seconds since the epoch (default 0, so that the same images give the same archive). */
  mtime?: number;
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) {
    // base-256: high bit set, big-endian value in the rest of the field
    let v = BigInt(value);
    for (let i = width - 1; i > 0; i--) {
      buf[offset + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    buf[offset] = 0x80;
    return;
  }
  buf.write(digits + '\0', offset, width, 'ascii');
}

/** The 512-byte ustar header of `m`. */
export function tarHeader(m: TarMember): Buffer {
  const name = m.type === 'dir' && !m.name.endsWith('/') ? `${m.name}/` : m.name;
  if (Buffer.byteLength(name) > 100)
    throw new BerthError('Internal', `tar: member name "${name.slice(0, 60)}..." is longer than 100 bytes`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, m.mode ?? (m.type === 'dir' ? 0o755 : 0o644));
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, m.type === 'file' ? (m.size ?? 0) : 0);
  octal(h, 136, 12, m.mtime ?? 0);
  h.fill(0x20, 148, 156); // checksum counts as spaces while it is computed
  h.write(m.type === 'dir' ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** The archive of `members`, as chunks; a member whose data does not add up to its size is an error. */
export async function* writeTar(
  members: AsyncIterable<TarMember> | Iterable<TarMember>,
): AsyncGenerator<Buffer> {
  for await (const m of members) {
    const data = m.data;
    const size = m.type === 'file' ? (m.size ?? (Buffer.isBuffer(data) ? data.length : 0)) : 0;
    yield tarHeader({ ...m, size });
    if (m.type !== 'file') continue;
    let written = 0;
    if (Buffer.isBuffer(data)) {
      yield data;
      written = data.length;
    } else if (data !== undefined) {
      for await (const chunk of data()) {
        written += chunk.length;
        if (written > size)
          throw new BerthError('Internal', `tar: "${m.name}" has more than its ${size} bytes`);
        yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      }
    }
    if (written !== size)
      throw new BerthError('Internal', `tar: "${m.name}" has ${written} of its ${size} bytes`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}
