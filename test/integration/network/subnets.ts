// Subnets for tests: random /24s in 10.160.0.0/11 that no host route covers, so that a test's bridges
// never shadow a network of the machine or of another engineer's test running at the same time.
import { hostRoutes } from '../../../src/network/ipam/host-routes.js';
import {
  cidrsOverlap,
  cidrContains,
  formatIPv4,
  parseCidr,
  parseIPv4,
} from '../../../src/network/ipam/ipv4.js';

/** A test subnet: its CIDR text and helpers for addresses inside it. */
export interface TestSubnet {
  /** `10.x.y.0/24`. */
  cidr: string;
  /** The n-th address (1 is the usual gateway). */
  host(n: number): string;
  /** Whether an address lies inside. */
  contains(ip: string): boolean;
}

const taken = new Set<string>();

/** A fresh /24 that overlaps no host route and no other subnet this process handed out. */
export function testSubnet(): TestSubnet {
  for (;;) {
    const base =
      (10 << 24) + ((160 + Math.floor(Math.random() * 32)) << 16) + (Math.floor(Math.random() * 256) << 8);
    const cidr = `${formatIPv4(base >>> 0)}/24`;
    const block = parseCidr(cidr)!;
    if (taken.has(cidr) || hostRoutes().some((r) => cidrsOverlap(r.dst, block))) continue;
    taken.add(cidr);
    return {
      cidr,
      host: (n) => formatIPv4((base + n) >>> 0),
      contains: (ip) => cidrContains(block, parseIPv4(ip) ?? -1),
    };
  }
}

/** A /16 address pool base in 10.192.0.0/10 (for automatic allocation tests), free of host routes. */
export function testPool(): { base: string; size: number } {
  for (;;) {
    const base = (10 << 24) + ((192 + Math.floor(Math.random() * 64)) << 16);
    const cidr = `${formatIPv4(base >>> 0)}/16`;
    const block = parseCidr(cidr)!;
    if (taken.has(cidr) || hostRoutes().some((r) => cidrsOverlap(r.dst, block))) continue;
    taken.add(cidr);
    return { base: cidr, size: 24 };
  }
}
