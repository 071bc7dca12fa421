// Checks a `network create` request before anything is made, with docker's messages where clients
// match on them (moby api/types/network ValidateIPAM, libnetwork's NetworkNameError and ipam errors):
// "invalid network config:\ninvalid subnet 10.0.0.1/24: it should be 10.0.0.0/24",
// "invalid pool request: Pool overlaps with other one on this address space".
import { BerthError } from '../base/errors.js';
import {
  type Cidr,
  broadcastOf,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIPv4,
  masked,
  networkOf,
  parseCidr,
  parseIPv4,
} from './ipam/ipv4.js';
import type { CreateNetworkRequest, NetworkRecord } from './types.js';

/** Names docker reserves for its predefined networks. */
export const PREDEFINED_NETWORKS = ['bridge', 'host', 'none'] as const;

/** The options of the bridge driver that Berth acts on (docker's netlabel / bridge driver keys). */
export const BRIDGE_OPTIONS = {
  name: 'com.docker.network.bridge.name',
  mtu: 'com.docker.network.driver.mtu',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  icc: 'com.docker.network.bridge.enable_icc',
  hostBinding: 'com.docker.network.bridge.host_binding_ipv4',
} as const;

// CNI SPEC.md section 1: a network name starts alphanumeric, then alphanumerics, "_", "." or "-".
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
// Linux interface names: at most IFNAMSIZ-1 = 15 bytes, no "/", whitespace or ":" (dev_valid_name()).
const IFNAME = /^[a-zA-Z0-9_.-]{1,15}$/;

/** The IPv4 layout a new network gets. */
export interface AddressPlan {
  /** The subnet, host bits clear. */
  subnet: Cidr;
  /** The gateway address. */
  gateway: number;
  /** The dynamic range, when narrower than the subnet. */
  ipRange?: Cidr;
}

/** Checks the request's name, driver and options (everything but addresses). */
export function validateCreateRequest(req: CreateNetworkRequest, existing: readonly NetworkRecord[]): void {
  if (typeof req.name !== 'string' || req.name === '')
    throw new BerthError('InvalidArgument', 'network name: must not be empty');
  if ((PREDEFINED_NETWORKS as readonly string[]).includes(req.name))
    throw new BerthError('PermissionDenied', `operation is not permitted on predefined ${req.name} network`);
  if (!NETWORK_NAME.test(req.name) || req.name.length > 128)
    throw new BerthError(
      'InvalidArgument',
      `invalid network name "${req.name}": must start with a letter or digit, followed by letters, digits, "_", "." or "-" (at most 128)`,
    );
  if (existing.some((n) => n.name === req.name))
    throw new BerthError('AlreadyExists', `network with name ${req.name} already exists`);
  if (req.driver && req.driver !== 'bridge')
    throw new BerthError('InvalidArgument', `network driver "${req.driver}": not supported (only "bridge")`);
  if (req.ipamDriver && req.ipamDriver !== 'default')
    throw new BerthError(
      'InvalidArgument',
      `ipam driver "${req.ipamDriver}": not supported (only "default")`,
    );
  if (req.enableIPv6)
    throw new BerthError('InvalidArgument', 'enable IPv6: IPv6 networks are not supported yet');
  for (const [k, v] of Object.entries(req.labels ?? {}))
    if (typeof v !== 'string')
      throw new BerthError('InvalidArgument', `label "${k}": value must be a string`);
  validateBridgeOptions(req.options ?? {}, existing);
}

function validateBridgeOptions(options: Record<string, string>, existing: readonly NetworkRecord[]): void {
  for (const [k, v] of Object.entries(options))
    if (typeof v !== 'string')
      throw new BerthError('InvalidArgument', `option "${k}": value must be a string`);
  const name = options[BRIDGE_OPTIONS.name];
  if (name !== undefined) {
    if (!IFNAME.test(name))
      throw new BerthError(
        'InvalidArgument',
        `option "${BRIDGE_OPTIONS.name}": invalid interface name "${name}" (1 to 15 letters, digits, "_", "." or "-")`,
      );
    const owner = existing.find((n) => n.bridge === name);
    if (owner)
      throw new BerthError(
        'AlreadyExists',
        `option "${BRIDGE_OPTIONS.name}": bridge "${name}" is already used by network "${owner.name}"`,
      );
  }
  const mtu = options[BRIDGE_OPTIONS.mtu];
  if (mtu !== undefined && !(/^\d+$/.test(mtu) && Number(mtu) >= 68 && Number(mtu) <= 65535))
    throw new BerthError(
      'InvalidArgument',
      `option "${BRIDGE_OPTIONS.mtu}": invalid MTU "${mtu}" (68 to 65535)`,
    );
  for (const key of [BRIDGE_OPTIONS.masquerade, BRIDGE_OPTIONS.icc]) {
    const v = options[key];
    if (v !== undefined && !['true', 'false', '1', '0'].includes(v))
      throw new BerthError('InvalidArgument', `option "${key}": invalid boolean "${v}"`);
  }
  const binding = options[BRIDGE_OPTIONS.hostBinding];
  if (binding !== undefined && parseIPv4(binding) === undefined)
    throw new BerthError(
      'InvalidArgument',
      `option "${BRIDGE_OPTIONS.hostBinding}": invalid IPv4 address "${binding}"`,
    );
}

/** Whether a docker boolean option is on, with `fallback` when it is absent. */
export function optionEnabled(options: Record<string, string>, key: string, fallback: boolean): boolean {
  const v = options[key];
  return v === undefined ? fallback : v === 'true' || v === '1';
}

/**
 * The address plan of a request that names its subnet: docker's ValidateIPAM checks (every problem
 * listed, under "invalid network config:"), then the overlap check against the other networks.
 * Requests without a subnet may not name a gateway or ip-range either (docker CLI's rule).
 */
export function planUserSubnet(req: CreateNetworkRequest, taken: readonly Cidr[]): AddressPlan | undefined {
  if (!req.subnet) {
    if (req.gateway || req.ipRange)
      throw new BerthError('InvalidArgument', 'every ip-range or gateway must have a corresponding subnet');
    return undefined;
  }
  const errors: string[] = [];
  const subnet = parseCidr(req.subnet);
  if (!subnet) {
    if (req.subnet.includes(':'))
      throw new BerthError(
        'InvalidArgument',
        `invalid subnet ${req.subnet}: IPv6 networks are not supported yet`,
      );
    throw invalidConfig([`invalid subnet ${req.subnet}: invalid CIDR block notation`]);
  }
  const clean = masked(subnet);
  if (clean.addr !== subnet.addr)
    errors.push(`invalid subnet ${req.subnet}: it should be ${formatCidr(clean)}`);
  let ipRange: Cidr | undefined;
  if (req.ipRange) {
    ipRange = parseCidr(req.ipRange);
    if (!ipRange) errors.push(`invalid ip-range ${req.ipRange}: invalid CIDR block notation`);
    else {
      if (ipRange.prefix < clean.prefix)
        errors.push(
          `invalid ip-range ${req.ipRange}: CIDR block is bigger than its parent subnet ${formatCidr(clean)}`,
        );
      const r = masked(ipRange);
      if (r.addr !== ipRange.addr)
        errors.push(`invalid ip-range ${req.ipRange}: it should be ${formatCidr(r)}`);
      if (!cidrsOverlap(clean, ipRange))
        errors.push(
          `invalid ip-range ${req.ipRange}: parent subnet ${formatCidr(clean)} doesn't contain ip-range`,
        );
      ipRange = r;
    }
  }
  let gateway: number | undefined;
  if (req.gateway) {
    gateway = parseIPv4(req.gateway);
    if (gateway === undefined) errors.push(`invalid gateway ${req.gateway}: invalid address`);
    else if (!cidrContains(clean, gateway))
      errors.push(
        `invalid gateway ${req.gateway}: parent subnet ${formatCidr(clean)} doesn't contain this address`,
      );
  }
  if (errors.length) throw invalidConfig(errors);
  if (clean.prefix > 30)
    throw new BerthError('InvalidArgument', `invalid subnet ${formatCidr(clean)}: too small (at most /30)`);
  gateway ??= networkOf(clean) + 1;
  if (gateway === networkOf(clean) || gateway === broadcastOf(clean))
    throw new BerthError(
      'InvalidArgument',
      `invalid gateway ${formatIPv4(gateway)}: it is the network or broadcast address of ${formatCidr(clean)}`,
    );
  if (taken.some((t) => cidrsOverlap(t, clean)))
    throw new BerthError(
      'AlreadyExists',
      'invalid pool request: Pool overlaps with other one on this address space',
    );
  return { subnet: clean, gateway, ...(ipRange && { ipRange }) };
}

// moby joinError: one problem is printed alone, several as "* a\n* b".
function invalidConfig(errors: string[]): BerthError {
  const body = errors.length === 1 ? errors[0]! : errors.map((e) => `* ${e}`).join('\n');
  return new BerthError('InvalidArgument', `invalid network config:\n${body}`);
}
