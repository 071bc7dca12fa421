// DNS messages (RFC 1035 section 4): the 12-byte header, questions, and resource records with A (RFC 1035
// 3.4.1), AAAA (RFC 3596) and PTR/CNAME/NS (domain-name RDATA) decoded; other RDATA is kept as bytes.
// Names are compressed on encode (4.1.4) and decompressed on decode, refusing pointer loops.
import { isIPv4, isIPv6 } from 'node:net';

/** Record types Berth answers or looks at. */
export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  ANY: 255,
} as const;
/** The Internet class. */
export const CLASS_IN = 1;
/** Response codes (RFC 1035 4.1.1). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** The header's flag fields. */
export interface Flags {
  /** Response (true) or query. */
  qr: boolean;
  /** Kind of query; 0 is a standard query. */
  opcode: number;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated. */
  tc: boolean;
  /** Recursion desired. */
  rd: boolean;
  /** Recursion available. */
  ra: boolean;
  /** Response code. */
  rcode: number;
}

/** One question. */
export interface Question {
  /** Domain name without the trailing dot (`web.example`); the root is ''. */
  name: string;
  /** QTYPE. */
  type: number;
  /** QCLASS. */
  class: number;
}

/** One resource record; `data` is an address for A/AAAA, a name for PTR/CNAME/NS, else the raw RDATA. */
export interface ResourceRecord {
  /** Owner name. */
  name: string;
  /** TYPE. */
  type: number;
  /** CLASS (for OPT, the UDP payload size). */
  class: number;
  /** TTL in seconds (for OPT, extended flags). */
  ttl: number;
  /** The decoded RDATA. */
  data: string | Buffer;
}

/** A whole message. */
export interface DnsMessage {
  /** Query ID. */
  id: number;
  /** Flags. */
  flags: Flags;
  /** Question section. */
  questions: Question[];
  /** Answer section. */
  answers: ResourceRecord[];
  /** Authority section. */
  authorities: ResourceRecord[];
  /** Additional section. */
  additionals: ResourceRecord[];
}

/** A message that cannot be decoded. */
export class DnsFormatError extends Error {
  override name = 'DnsFormatError';
}

const HEADER = 12;

/** Decodes a message; throws DnsFormatError on anything malformed or truncated. */
export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < HEADER) throw new DnsFormatError('message shorter than its header');
  const f = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  const reader = { buf, offset: HEADER };
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const name = readName(reader);
    need(reader, 4);
    questions.push({
      name,
      type: buf.readUInt16BE(reader.offset),
      class: buf.readUInt16BE(reader.offset + 2),
    });
    reader.offset += 4;
  }
  const section = (n: number) => Array.from({ length: n }, () => readRecord(reader));
  return {
    id: buf.readUInt16BE(0),
    flags: {
      qr: (f & 0x8000) !== 0,
      opcode: (f >> 11) & 0xf,
      aa: (f & 0x0400) !== 0,
      tc: (f & 0x0200) !== 0,
      rd: (f & 0x0100) !== 0,
      ra: (f & 0x0080) !== 0,
      rcode: f & 0xf,
    },
    questions,
    answers: section(counts[1]!),
    authorities: section(counts[2]!),
    additionals: section(counts[3]!),
  };
}

/**
 * The ID and flags of a message, enough for an error answer even when the rest cannot be decoded; `qr`
 * tells a response from a query. Undefined when there is not even a header.
 */
export function decodeHeader(buf: Buffer): { id: number; qr: boolean; flags: Flags } | undefined {
  if (buf.length < HEADER) return undefined;
  const f = buf.readUInt16BE(2);
  const flags = {
    qr: false,
    opcode: (f >> 11) & 0xf,
    aa: false,
    tc: false,
    rd: (f & 0x0100) !== 0,
    ra: false,
    rcode: 0,
  };
  return { id: buf.readUInt16BE(0), qr: (f & 0x8000) !== 0, flags };
}

interface Reader {
  buf: Buffer;
  offset: number;
}

function need(r: Reader, n: number): void {
  if (r.offset + n > r.buf.length) throw new DnsFormatError('message truncated');
}

function readName(r: Reader): string {
  const labels: string[] = [];
  let offset = r.offset;
  let jumped = false;
  let length = 0;
  for (let hops = 0; ; hops++) {
    if (hops > 127) throw new DnsFormatError('name compression loop');
    if (offset >= r.buf.length) throw new DnsFormatError('name runs past the message');
    const len = r.buf[offset]!;
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= r.buf.length) throw new DnsFormatError('name pointer truncated');
      const target = ((len & 0x3f) << 8) | r.buf[offset + 1]!;
      if (!jumped) r.offset = offset + 2;
      jumped = true;
      if (target >= offset) throw new DnsFormatError('name pointer points forward');
      offset = target;
      continue;
    }
    if (len & 0xc0) throw new DnsFormatError('unknown label type');
    if (len === 0) {
      if (!jumped) r.offset = offset + 1;
      break;
    }
    if (offset + 1 + len > r.buf.length) throw new DnsFormatError('label runs past the message');
    labels.push(r.buf.toString('latin1', offset + 1, offset + 1 + len));
    length += len + 1;
    if (length > 255) throw new DnsFormatError('name longer than 255 bytes');
    offset += 1 + len;
  }
  return labels.join('.');
}

function readRecord(r: Reader): ResourceRecord {
  const name = readName(r);
  need(r, 10);
  const type = r.buf.readUInt16BE(r.offset);
  const cls = r.buf.readUInt16BE(r.offset + 2);
  const ttl = r.buf.readUInt32BE(r.offset + 4);
  const rdlength = r.buf.readUInt16BE(r.offset + 8);
  r.offset += 10;
  need(r, rdlength);
  const start = r.offset;
  let data: string | Buffer;
  if (type === TYPE.A && rdlength === 4) data = [...r.buf.subarray(start, start + 4)].join('.');
  else if (type === TYPE.AAAA && rdlength === 16) data = formatIPv6(r.buf.subarray(start, start + 16));
  else if (type === TYPE.PTR || type === TYPE.CNAME || type === TYPE.NS) {
    const sub = { buf: r.buf, offset: start };
    data = readName(sub);
  } else data = Buffer.from(r.buf.subarray(start, start + rdlength));
  r.offset = start + rdlength;
  return { name, type, class: cls, ttl, data };
}

function formatIPv6(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function parseIPv6(text: string): Buffer {
  const out = Buffer.alloc(16);
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Encodes a message, compressing names against earlier ones. */
export function encodeMessage(msg: DnsMessage): Buffer {
  const w = new Writer();
  const f = msg.flags;
  w.u16(msg.id);
  w.u16(
    (f.qr ? 0x8000 : 0) |
      ((f.opcode & 0xf) << 11) |
      (f.aa ? 0x0400 : 0) |
      (f.tc ? 0x0200 : 0) |
      (f.rd ? 0x0100 : 0) |
      (f.ra ? 0x0080 : 0) |
      (f.rcode & 0xf),
  );
  for (const n of [msg.questions, msg.answers, msg.authorities, msg.additionals]) w.u16(n.length);
  for (const q of msg.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of [...msg.answers, ...msg.authorities, ...msg.additionals]) {
    w.name(rr.name);
    w.u16(rr.type);
    w.u16(rr.class);
    w.u32(rr.ttl);
    const lengthAt = w.reserve16();
    const start = w.length;
    if (rr.type === TYPE.A && typeof rr.data === 'string' && isIPv4(rr.data))
      w.bytes(Buffer.from(rr.data.split('.').map(Number)));
    else if (rr.type === TYPE.AAAA && typeof rr.data === 'string' && isIPv6(rr.data))
      w.bytes(parseIPv6(rr.data));
    else if (typeof rr.data === 'string') w.name(rr.data);
    else w.bytes(rr.data);
    w.patch16(lengthAt, w.length - start);
  }
  return w.finish();
}

class Writer {
  private chunks: Buffer[] = [];
  length = 0;
  private readonly names = new Map<string, number>();

  bytes(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u16(n: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n & 0xffff);
    this.bytes(b);
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    this.bytes(b);
  }
  reserve16(): number {
    const at = this.length;
    this.u16(0);
    return at;
  }
  patch16(at: number, value: number): void {
    const all = this.finish();
    all.writeUInt16BE(value, at);
    this.chunks = [all];
  }
  name(name: string): void {
    const labels = name === '' ? [] : name.replace(/\.$/, '').split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const known = this.names.get(suffix);
      if (known !== undefined) return this.u16(0xc000 | known);
      if (this.length < 0x3fff) this.names.set(suffix, this.length);
      const label = Buffer.from(labels[i]!, 'latin1');
      if (label.length === 0 || label.length > 63) throw new DnsFormatError(`invalid label in "${name}"`);
      this.bytes(Buffer.from([label.length]));
      this.bytes(label);
    }
    this.bytes(Buffer.from([0]));
  }
  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
