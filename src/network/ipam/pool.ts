// Automatic subnet allocation for networks created without --subnet, as docker's default IPAM does it:
// walk the address pools in order, carve each base into blocks of `size` bits, and take the first block
// that overlaps neither another network nor a route of the host (moby libnetwork ipamutils and
// defaultipam; dockerd's --default-address-pool has the same {base, size} shape).
import { BerthError } from '../../base/errors.js';
import { type Cidr, cidrSize, cidrsOverlap, formatCidr, masked, mustParseCidr, networkOf } from './ipv4.js';

/** One pool: a base block carved into subnets of prefix length `size`. */
export interface AddressPool {
  /** The block to carve, e.g. `172.17.0.0/16`. */
  base: string;
  /** The prefix length of each subnet taken from it, e.g. 16. */
  size: number;
}

/**
 * docker's local-scope defaults: 172.17.0.0/16 through 172.31.0.0/16, then 192.168.0.0/16 in /20s
 * (moby ipamutils.localScopeDefaultNetworks). The default bridge takes the first free one.
 */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** Checks pools given in configuration, naming the bad entry. */
export function validatePools(pools: readonly AddressPool[]): void {
  for (const p of pools) {
    const base = mustParseCidr(p.base, 'default address pool base');
    if (networkOf(base) !== base.addr)
      throw new BerthError(
        'InvalidArgument',
        `invalid default address pool base "${p.base}": host bits are set`,
      );
    if (!Number.isInteger(p.size) || p.size < base.prefix || p.size > 30)
      throw new BerthError(
        'InvalidArgument',
        `invalid default address pool size ${p.size} for base "${p.base}": must be between ${base.prefix} and 30`,
      );
  }
}

/** Every candidate subnet of the pools, in allocation order. */
export function* candidateSubnets(pools: readonly AddressPool[]): Generator<Cidr> {
  for (const p of pools) {
    const base = masked(mustParseCidr(p.base, 'default address pool base'));
    const step = cidrSize({ addr: 0, prefix: p.size });
    const end = networkOf(base) + cidrSize(base);
    for (let addr = networkOf(base); addr < end; addr += step) yield { addr: addr >>> 0, prefix: p.size };
  }
}

/**
 * The first candidate subnet that overlaps none of `taken` (other networks' subnets and host routes).
 * Throws docker's message when every pool is used up.
 */
export function allocateSubnet(pools: readonly AddressPool[], taken: readonly Cidr[]): Cidr {
  for (const candidate of candidateSubnets(pools)) {
    if (!taken.some((t) => cidrsOverlap(t, candidate))) return candidate;
  }
  throw new BerthError(
    'FailedPrecondition',
    'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
  );
}

/** The subnets in `taken` that `subnet` overlaps, as text (for error messages and tests). */
export function overlapsOf(subnet: Cidr, taken: readonly Cidr[]): string[] {
  return taken.filter((t) => cidrsOverlap(t, subnet)).map(formatCidr);
}
