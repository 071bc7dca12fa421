// `network create` validation with docker's messages (moby ValidateIPAM, libnetwork name and pool errors).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCidr, formatIPv4, parseCidr } from '../../../src/network/ipam/ipv4.js';
import type { NetworkRecord } from '../../../src/network/types.js';
import { planUserSubnet, validateCreateRequest } from '../../../src/network/validate.js';

const existing: NetworkRecord[] = [
  {
    id: 'a'.repeat(64),
    name: 'web',
    driver: 'bridge',
    created: '2026-01-01T00:00:00Z',
    subnet: '10.10.0.0/16',
    gateway: '10.10.0.1',
    userSubnet: true,
    bridge: 'br-aaaaaaaaaaaa',
    internal: false,
    attachable: false,
    labels: {},
    options: {},
    isDefault: false,
  },
];
const taken = [parseCidr('10.10.0.0/16')!];

describe('network create validation', () => {
  test('names: empty, predefined, bad characters, duplicates', () => {
    assert.throws(() => validateCreateRequest({ name: '' }, existing), {
      code: 'InvalidArgument',
      message: 'network name: must not be empty',
    });
    for (const name of ['bridge', 'host', 'none'])
      assert.throws(() => validateCreateRequest({ name }, existing), {
        code: 'PermissionDenied',
        message: `operation is not permitted on predefined ${name} network`,
      });
    assert.throws(() => validateCreateRequest({ name: '-x' }, existing), {
      code: 'InvalidArgument',
      message:
        'invalid network name "-x": must start with a letter or digit, followed by letters, digits, "_", "." or "-" (at most 128)',
    });
    assert.throws(() => validateCreateRequest({ name: 'a/b' }, existing), { code: 'InvalidArgument' });
    assert.throws(() => validateCreateRequest({ name: 'web' }, existing), {
      code: 'AlreadyExists',
      message: 'network with name web already exists',
    });
    validateCreateRequest({ name: 'my_net.1-x' }, existing);
  });

  test('driver, IPAM driver, IPv6 and driver options', () => {
    assert.throws(() => validateCreateRequest({ name: 'n', driver: 'overlay' }, existing), {
      message: 'network driver "overlay": not supported (only "bridge")',
    });
    assert.throws(() => validateCreateRequest({ name: 'n', ipamDriver: 'dhcp' }, existing), {
      message: 'ipam driver "dhcp": not supported (only "default")',
    });
    assert.throws(() => validateCreateRequest({ name: 'n', enableIPv6: true }, existing), {
      message: 'enable IPv6: IPv6 networks are not supported yet',
    });
    const opt = (options: Record<string, string>) => () =>
      validateCreateRequest({ name: 'n', options }, existing);
    assert.throws(opt({ 'com.docker.network.bridge.name': 'way-too-long-bridge' }), {
      message:
        'option "com.docker.network.bridge.name": invalid interface name "way-too-long-bridge" (1 to 15 letters, digits, "_", "." or "-")',
    });
    assert.throws(opt({ 'com.docker.network.bridge.name': 'br-aaaaaaaaaaaa' }), {
      code: 'AlreadyExists',
      message:
        'option "com.docker.network.bridge.name": bridge "br-aaaaaaaaaaaa" is already used by network "web"',
    });
    assert.throws(opt({ 'com.docker.network.driver.mtu': '9' }), {
      message: 'option "com.docker.network.driver.mtu": invalid MTU "9" (68 to 65535)',
    });
    assert.throws(opt({ 'com.docker.network.bridge.enable_icc': 'yes' }), {
      message: 'option "com.docker.network.bridge.enable_icc": invalid boolean "yes"',
    });
    assert.throws(opt({ 'com.docker.network.bridge.host_binding_ipv4': '1.2.3' }), {
      message: 'option "com.docker.network.bridge.host_binding_ipv4": invalid IPv4 address "1.2.3"',
    });
    opt({ 'com.docker.network.bridge.name': 'mybr0', 'com.docker.network.driver.mtu': '1400' })();
  });
});

describe('user subnets', () => {
  const plan = (req: { subnet?: string; gateway?: string; ipRange?: string }) =>
    planUserSubnet({ name: 'n', ...req }, taken);

  test('no subnet: allocation is left to the pools, but gateway and ip-range need a subnet', () => {
    assert.equal(plan({}), undefined);
    assert.throws(() => plan({ gateway: '10.0.0.1' }), {
      message: 'every ip-range or gateway must have a corresponding subnet',
    });
  });

  test('a valid subnet gets its first address as gateway unless one is given', () => {
    const p = plan({ subnet: '10.20.0.0/24' })!;
    assert.equal(formatCidr(p.subnet), '10.20.0.0/24');
    assert.equal(formatIPv4(p.gateway), '10.20.0.1');
    const q = plan({ subnet: '10.20.0.0/24', gateway: '10.20.0.254', ipRange: '10.20.0.128/25' })!;
    assert.equal(formatIPv4(q.gateway), '10.20.0.254');
    assert.equal(formatCidr(q.ipRange!), '10.20.0.128/25');
  });

  test("docker's ValidateIPAM messages, one alone or several as a list", () => {
    assert.throws(() => plan({ subnet: '10.20.0.0/33' }), {
      code: 'InvalidArgument',
      message: 'invalid network config:\ninvalid subnet 10.20.0.0/33: invalid CIDR block notation',
    });
    assert.throws(() => plan({ subnet: '10.20.0.1/24' }), {
      message: 'invalid network config:\ninvalid subnet 10.20.0.1/24: it should be 10.20.0.0/24',
    });
    assert.throws(() => plan({ subnet: '10.20.0.0/24', gateway: '10.21.0.1' }), {
      message:
        "invalid network config:\ninvalid gateway 10.21.0.1: parent subnet 10.20.0.0/24 doesn't contain this address",
    });
    assert.throws(() => plan({ subnet: '10.20.0.0/24', gateway: 'x' }), {
      message: 'invalid network config:\ninvalid gateway x: invalid address',
    });
    assert.throws(() => plan({ subnet: '10.20.0.0/24', ipRange: '10.20.0.0/16' }), {
      message:
        'invalid network config:\ninvalid ip-range 10.20.0.0/16: CIDR block is bigger than its parent subnet 10.20.0.0/24',
    });
    assert.throws(() => plan({ subnet: '10.20.0.0/24', ipRange: '10.30.0.0/25', gateway: '10.40.0.1' }), {
      message:
        "invalid network config:\n* invalid ip-range 10.30.0.0/25: parent subnet 10.20.0.0/24 doesn't contain ip-range\n" +
        "* invalid gateway 10.40.0.1: parent subnet 10.20.0.0/24 doesn't contain this address",
    });
    assert.throws(() => plan({ subnet: '10.20.0.0/24', ipRange: '10.20.0.1/25' }), {
      message: 'invalid network config:\ninvalid ip-range 10.20.0.1/25: it should be 10.20.0.0/25',
    });
  });

  test('too small, gateway on the network address, IPv6, and overlaps', () => {
    assert.throws(() => plan({ subnet: '10.20.0.0/31' }), {
      message: 'invalid subnet 10.20.0.0/31: too small (at most /30)',
    });
    assert.throws(() => plan({ subnet: '10.20.0.0/24', gateway: '10.20.0.0' }), {
      message: 'invalid gateway 10.20.0.0: it is the network or broadcast address of 10.20.0.0/24',
    });
    assert.throws(() => plan({ subnet: 'fd00::/64' }), {
      message: 'invalid subnet fd00::/64: IPv6 networks are not supported yet',
    });
    for (const subnet of ['10.10.5.0/24', '10.0.0.0/8', '10.10.0.0/16'])
      assert.throws(() => plan({ subnet }), {
        code: 'AlreadyExists',
        message: 'invalid pool request: Pool overlaps with other one on this address space',
      });
  });
});
