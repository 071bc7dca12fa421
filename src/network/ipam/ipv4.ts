// IPv4 addresses and CIDR blocks as unsigned 32-bit numbers: parsing that refuses what docker refuses
// (leading zeros, out-of-range octets, host bits in a subnet are reported by the caller), and the
// containment and overlap tests address allocation needs.
import { BerthError } from '../../base/errors.js';

/** An IPv4 CIDR block: `addr` as written (host bits may be set), `prefix` 0..32. */
export interface Cidr {
  /** The address part as written, as a uint32. */
  addr: number;
  /** The prefix length. */
  prefix: number;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** The uint32 of a dotted-quad IPv4 address, or undefined when `text` is not one. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Dotted-quad text of a uint32. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The CIDR block `a.b.c.d/n`, or undefined when `text` is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIPv4(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (addr === undefined || !/^(0|[1-9]\d?)$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > 32) return undefined;
  return { addr, prefix };
}

/** Like parseCidr, but throws InvalidArgument naming `what`. */
export function mustParseCidr(text: string, what: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new BerthError('InvalidArgument', `invalid ${what} "${text}": invalid CIDR block notation`);
  return c;
}

/** The netmask of a prefix length as a uint32. */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The first address of the block (host bits cleared). */
export function networkOf(c: Cidr): number {
  return (c.addr & maskOf(c.prefix)) >>> 0;
}

/** The last address of the block (host bits set). */
export function broadcastOf(c: Cidr): number {
  return (networkOf(c) | ~maskOf(c.prefix)) >>> 0;
}

/** The block with its host bits cleared. */
export function masked(c: Cidr): Cidr {
  return { addr: networkOf(c), prefix: c.prefix };
}

/** `a.b.c.d/n` text of a block. */
export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.addr)}/${c.prefix}`;
}

/** Whether `ip` lies inside the block. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return (ip & maskOf(c.prefix)) >>> 0 === networkOf(c);
}

/** Whether two blocks share any address (one then contains the other). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, networkOf(b)) || cidrContains(b, networkOf(a));
}

/** The number of addresses in a block. */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}
