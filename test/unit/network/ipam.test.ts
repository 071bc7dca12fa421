// Address math, automatic subnet allocation from docker's default pools, and the host route table parser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProcNetRoute } from '../../../src/network/ipam/host-routes.js';
import {
  broadcastOf,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIPv4,
  networkOf,
  parseCidr,
  parseIPv4,
} from '../../../src/network/ipam/ipv4.js';
import {
  DEFAULT_ADDRESS_POOLS,
  allocateSubnet,
  candidateSubnets,
  validatePools,
} from '../../../src/network/ipam/pool.js';

const cidr = (s: string) => parseCidr(s)!;

describe('ipv4', () => {
  test('dotted quads parse strictly and print back', () => {
    assert.equal(parseIPv4('172.17.0.1'), 0xac110001);
    assert.equal(formatIPv4(0xac110001), '172.17.0.1');
    assert.equal(formatIPv4(0xffffffff), '255.255.255.255');
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '', 'a.b.c.d', '1.2.3.4 '])
      assert.equal(parseIPv4(bad), undefined, bad);
  });

  test('CIDR blocks: network, broadcast, containment, overlap', () => {
    const c = cidr('10.1.2.3/16');
    assert.equal(formatIPv4(networkOf(c)), '10.1.0.0');
    assert.equal(formatIPv4(broadcastOf(c)), '10.1.255.255');
    assert.ok(cidrContains(c, parseIPv4('10.1.200.9')!));
    assert.ok(!cidrContains(c, parseIPv4('10.2.0.0')!));
    assert.ok(cidrsOverlap(cidr('10.0.0.0/8'), cidr('10.5.0.0/24')));
    assert.ok(!cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.1.0/24')));
    assert.equal(formatCidr(cidr('0.0.0.0/0')), '0.0.0.0/0');
    assert.ok(cidrContains(cidr('0.0.0.0/0'), 0xffffffff));
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '10.0.0/8'])
      assert.equal(parseCidr(bad), undefined, bad);
  });
});

describe('address pools', () => {
  test("docker's defaults: 172.17-31 as /16s, then 192.168 as /20s", () => {
    const all = [...candidateSubnets(DEFAULT_ADDRESS_POOLS)].map(formatCidr);
    assert.equal(all[0], '172.17.0.0/16');
    assert.equal(all[14], '172.31.0.0/16');
    assert.equal(all[15], '192.168.0.0/20');
    assert.equal(all[all.length - 1], '192.168.240.0/20');
    assert.equal(all.length, 15 + 16);
  });

  test('the first subnet that overlaps neither a network nor a host route is taken', () => {
    assert.equal(formatCidr(allocateSubnet(DEFAULT_ADDRESS_POOLS, [])), '172.17.0.0/16');
    const taken = [cidr('172.17.0.0/16'), cidr('172.18.5.0/24'), cidr('172.16.0.0/12')];
    assert.equal(formatCidr(allocateSubnet(DEFAULT_ADDRESS_POOLS, taken.slice(0, 2))), '172.19.0.0/16');
    assert.equal(formatCidr(allocateSubnet(DEFAULT_ADDRESS_POOLS, taken)), '192.168.0.0/20');
    const small = [{ base: '10.9.0.0/23', size: 24 }];
    assert.equal(formatCidr(allocateSubnet(small, [cidr('10.9.0.0/24')])), '10.9.1.0/24');
    assert.throws(() => allocateSubnet(small, [cidr('10.9.0.0/23')]), {
      code: 'FailedPrecondition',
      message:
        'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    });
  });

  test('configured pools are checked', () => {
    validatePools([{ base: '10.10.0.0/16', size: 24 }]);
    assert.throws(() => validatePools([{ base: '10.10.0.1/16', size: 24 }]), {
      message: 'invalid default address pool base "10.10.0.1/16": host bits are set',
    });
    assert.throws(() => validatePools([{ base: '10.10.0.0/16', size: 8 }]), {
      message: 'invalid default address pool size 8 for base "10.10.0.0/16": must be between 16 and 30',
    });
    assert.throws(() => validatePools([{ base: 'x', size: 8 }]), {
      message: 'invalid default address pool base "x": invalid CIDR block notation',
    });
  });
});

describe('host routes', () => {
  test('/proc/net/route: little-endian hex, the default route left out', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      '',
    ].join('\n');
    assert.deepEqual(
      parseProcNetRoute(text).map((r) => `${r.iface} ${formatCidr(r.dst)}`),
      ['eth0 192.0.2.0/24', 'docker0 172.17.0.0/16'],
    );
  });
});
