// A streaming tar reader for image layers (OCI image-spec layer.md "Changeset format" says layers are tar
// archives as POSIX.1-2001 pax defines them). It understands what real layers contain:
//
//   header block (512 bytes)   ustar: name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8]
//                              typeflag[1] linkname[100] magic[6] version[2] uname[32] gname[32]
//                              devmajor[8] devminor[8] prefix[155] (prefix only when magic is "ustar\0")
//   numbers                    octal text, or base-256 when the first byte has its high bit (GNU, star)
//   'x' pax records            "<len> <key>=<value>\n": path, linkpath, size, uid, gid, mtime, atime,
//                              uname, gname, SCHILY.xattr.<name> (values are raw bytes)
//   'L' / 'K' (GNU)            the next entry's long name / long link target
//   'g' pax global header      skipped, as Go's archive/tar and so docker and containerd do
//   end                        two zero blocks; the bytes after them are read too (they count in the diff ID)
//
// GNU sparse files and other header types are refused: no image builder writes them.
import { BerthError } from '../../base/errors.js';
import type { ByteReader } from './byte-reader.js';

const BLOCK = 512;
/** Largest pax header or GNU long name we buffer: keeps a hostile layer from exhausting memory. */
const MAX_META_SIZE = 1 << 20;

/** The kinds of entries a layer can hold. */
export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One entry's header, with pax and GNU extensions applied. */
export interface TarHeader {
  /** Name as stored (may start with "./", end with "/"). */
  name: string;
  type: EntryType;
  /** Permission bits with setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (files only; 0 otherwise). */
  size: number;
  /** Modification time, seconds since the epoch (fractional from pax). */
  mtime: number;
  /** Access time from pax, if any. */
  atime?: number | undefined;
  /** Link target (symlinks and hard links). */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from SCHILY.xattr.* pax records. */
  xattrs: Map<string, Buffer>;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: an ordinary file everywhere but a few old systems
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

function badTar(offset: number, why: string): BerthError {
  return new BerthError('InvalidArgument', `tar at byte ${offset}: ${why}`);
}

/** A NUL-terminated string field. */
function field(block: Buffer, start: number, width: number): string {
  const raw = block.subarray(start, start + width);
  const nul = raw.indexOf(0);
  return (nul === -1 ? raw : raw.subarray(0, nul)).toString('utf8');
}

/** A numeric field: octal text, or base-256 (big-endian two's complement) when the high bit is set. */
function numeric(block: Buffer, start: number, width: number, offset: number): number {
  const raw = block.subarray(start, start + width);
  if (((raw[0] ?? 0) & 0x80) !== 0) {
    let v = BigInt((raw[0] ?? 0) & 0x7f);
    for (const b of raw.subarray(1)) v = (v << 8n) | BigInt(b);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw badTar(offset, 'numeric field too large');
    return Number(v);
  }
  const text = raw
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^[ ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw badTar(offset, `invalid numeric field "${text}"`);
  return parseInt(text, 8);
}

/** Checks the header checksum (sum of all bytes with the checksum field as spaces; signed sums accepted too). */
function checksumOk(block: Buffer, offset: number): boolean {
  const stored = numeric(block, 148, 8, offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Parses pax records (pax(1) "pax Extended Header File Format"); values stay raw bytes. */
function parsePax(data: Buffer, offset: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad with NULs
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw badTar(offset, 'malformed pax record');
    const len = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= space - pos + 1 || pos + len > data.length)
      throw badTar(offset, 'malformed pax record length');
    const record = data.subarray(space + 1, pos + len);
    if (record[record.length - 1] !== 0x0a) throw badTar(offset, 'pax record does not end with a newline');
    const eq = record.indexOf(0x3d);
    if (eq === -1) throw badTar(offset, 'pax record without "="');
    out.set(record.subarray(0, eq).toString('utf8'), record.subarray(eq + 1, record.length - 1));
    pos += len;
  }
  return out;
}

/** A pax time value ("1704067200.5") as seconds. */
function paxTime(value: string, offset: number): number {
  const t = Number(value);
  if (!Number.isFinite(t)) throw badTar(offset, `invalid pax time "${value}"`);
  return t;
}

/** Reads entries one by one; read (or skip) each entry's body before asking for the next header. */
export class TarReader {
  private remaining = 0;
  private padding = 0;
  private ended = false;

  constructor(private readonly input: ByteReader) {}

  /** The next entry's header, or null at the end of the archive (the rest of the stream is then drained). */
  async next(): Promise<TarHeader | null> {
    await this.skipBody();
    let pax = new Map<string, Buffer>();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const offset = this.input.offset;
      const block = await this.input.read(BLOCK);
      if (block.length === 0 && !this.ended) {
        // A stream that ends exactly at a header boundary without the end blocks: accepted, as Go's reader does.
        this.ended = true;
        return null;
      }
      if (block.length < BLOCK) throw badTar(offset, 'unexpected end of archive (truncated header)');
      if (block.every((b) => b === 0)) {
        await this.input.drain();
        this.ended = true;
        return null;
      }
      if (!checksumOk(block, offset)) throw badTar(offset, 'invalid header checksum');
      const flag = String.fromCharCode(block[156] ?? 0);
      const size = numeric(block, 124, 12, offset);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (size > MAX_META_SIZE) throw badTar(offset, `extended header of ${size} bytes is too large`);
        const data = await this.readPadded(size, offset);
        if (flag === 'x') pax = new Map([...pax, ...parsePax(data, offset)]);
        else if (flag === 'L') longName = field(data, 0, data.length);
        else if (flag === 'K') longLink = field(data, 0, data.length);
        continue; // 'g' is ignored, see the header comment
      }
      const type = TYPES[flag];
      if (type === undefined) {
        const what = flag === 'S' ? 'GNU sparse file' : `header type "${flag.replace(/[^\x20-\x7e]/g, '?')}"`;
        throw badTar(offset, `unsupported ${what} for "${field(block, 0, 100)}"`);
      }
      return this.header(block, type, size, offset, pax, longName, longLink);
    }
  }

  private header(
    block: Buffer,
    type: EntryType,
    size: number,
    offset: number,
    pax: Map<string, Buffer>,
    longName: string | undefined,
    longLink: string | undefined,
  ): TarHeader {
    const magic = block.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? field(block, 345, 155) : '';
    let name = longName ?? (prefix === '' ? field(block, 0, 100) : `${prefix}/${field(block, 0, 100)}`);
    let linkname = longLink ?? field(block, 157, 100);
    let uid = numeric(block, 108, 8, offset);
    let gid = numeric(block, 116, 8, offset);
    let mtime = numeric(block, 136, 12, offset);
    let atime: number | undefined;
    const xattrs = new Map<string, Buffer>();
    for (const [key, value] of pax) {
      const text = value.toString('utf8');
      if (key === 'path') name = text;
      else if (key === 'linkpath') linkname = text;
      else if (key === 'size') size = Number(text);
      else if (key === 'uid') uid = Number(text);
      else if (key === 'gid') gid = Number(text);
      else if (key === 'mtime') mtime = paxTime(text, offset);
      else if (key === 'atime') atime = paxTime(text, offset);
      else if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), value);
      else if (key.startsWith('GNU.sparse.')) throw badTar(offset, `unsupported GNU sparse file "${name}"`);
    }
    if (!Number.isSafeInteger(size) || size < 0) throw badTar(offset, `invalid size for "${name}"`);
    if (!Number.isSafeInteger(uid) || uid < 0 || !Number.isSafeInteger(gid) || gid < 0)
      throw badTar(offset, `invalid owner for "${name}"`);
    // Only regular files carry content; a size on anything else is skipped as data (POSIX says so for links).
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    return {
      name,
      type,
      mode: numeric(block, 100, 8, offset) & 0o7777,
      uid,
      gid,
      size: type === 'file' ? size : 0,
      mtime,
      atime,
      linkname,
      devmajor: type === 'char' || type === 'block' ? numeric(block, 329, 8, offset) : 0,
      devminor: type === 'char' || type === 'block' ? numeric(block, 337, 8, offset) : 0,
      xattrs,
    };
  }

  /** The current entry's content, in chunks as they arrive. */
  async *body(): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      const offset = this.input.offset;
      const chunk = await this.input.readSome(this.remaining);
      if (chunk.length === 0) throw badTar(offset, 'unexpected end of archive (truncated file content)');
      this.remaining -= chunk.length;
      yield chunk;
    }
    await this.skipPadding();
  }

  private async skipBody(): Promise<void> {
    while (this.remaining > 0) {
      const offset = this.input.offset;
      const chunk = await this.input.readSome(this.remaining);
      if (chunk.length === 0) throw badTar(offset, 'unexpected end of archive (truncated file content)');
      this.remaining -= chunk.length;
    }
    await this.skipPadding();
  }

  private async skipPadding(): Promise<void> {
    if (this.padding === 0) return;
    const offset = this.input.offset;
    const got = await this.input.read(this.padding);
    if (got.length < this.padding) throw badTar(offset, 'unexpected end of archive (truncated padding)');
    this.padding = 0;
  }

  private async readPadded(size: number, offset: number): Promise<Buffer> {
    const data = await this.input.read(size);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    const padBytes = await this.input.read(pad);
    if (data.length < size || padBytes.length < pad)
      throw badTar(offset, 'unexpected end of archive (truncated extended header)');
    return Buffer.from(data);
  }
}
