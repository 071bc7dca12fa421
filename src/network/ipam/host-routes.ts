// The IPv4 routes of the host, read from /proc/net/route (proc(5)): an automatically chosen subnet must
// not shadow a network the host already reaches (docker checks the same before it picks a pool).
import { readFileSync } from 'node:fs';
import { type Cidr } from './ipv4.js';

/** One line of /proc/net/route, reduced to what overlap checks need. */
export interface HostRoute {
  /** The interface the route leaves by. */
  iface: string;
  /** The destination block. */
  dst: Cidr;
}

/** Parses /proc/net/route text; the default route (0.0.0.0/0) is left out, as it overlaps everything. */
export function parseProcNetRoute(text: string): HostRoute[] {
  const routes: HostRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    // Destination and Mask are hex in the kernel's (little-endian, here) byte order.
    const dst = littleEndianHex(f[1]!);
    const mask = littleEndianHex(f[7]!);
    if (dst === undefined || mask === undefined || mask === 0) continue;
    routes.push({ iface: f[0]!, dst: { addr: dst, prefix: prefixOfMask(mask) } });
  }
  return routes;
}

/** The host's routes now (empty when /proc/net/route cannot be read). */
export function hostRoutes(path = '/proc/net/route'): HostRoute[] {
  try {
    return parseProcNetRoute(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

function littleEndianHex(hex: string): number | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const b = Buffer.from(hex, 'hex');
  return b.readUInt32LE(0);
}

function prefixOfMask(mask: number): number {
  let n = 0;
  for (let bit = 31; bit >= 0 && (mask >>> bit) & 1; bit--) n++;
  return n;
}
