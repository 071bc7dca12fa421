// The pure parts of a bridge network's host side: its CNI configuration list, its isolation rules, and
// the iptables -S parser the leftover sweep relies on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bridgeConfList, loopbackConfList, rangeOf } from '../../../src/network/conflist.js';
import { masquerades, networkRules } from '../../../src/network/firewall/isolation.js';
import { masqueradeChain } from '../../../src/network/firewall/cni-leftovers.js';
import { jumpOf, parseRules, splitWords } from '../../../src/network/firewall/iptables.js';
import type { NetworkRecord } from '../../../src/network/types.js';

const net = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: 'b'.repeat(64),
  name: 'web',
  driver: 'bridge',
  created: '2026-01-01T00:00:00Z',
  subnet: '10.10.0.0/24',
  gateway: '10.10.0.1',
  userSubnet: true,
  bridge: 'br-bbbbbbbbbbbb',
  internal: false,
  attachable: false,
  labels: {},
  options: {},
  isDefault: false,
  ...over,
});

describe('bridge network conflist', () => {
  test('bridge (gateway, hairpin, no per-container masquerade) with host-local and a default route, then portmap with snat', () => {
    assert.deepEqual(bridgeConfList(net(), { ipamDataDir: '/run/berth/network/ipam' }), {
      cniVersion: '1.0.0',
      name: 'web',
      plugins: [
        {
          type: 'bridge',
          bridge: 'br-bbbbbbbbbbbb',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: '/run/berth/network/ipam',
            ranges: [[{ subnet: '10.10.0.0/24', gateway: '10.10.0.1' }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      ],
    });
  });

  test('internal: no route, no portmap; the mtu option is honoured', () => {
    const internal = bridgeConfList(net({ internal: true }), { ipamDataDir: '/d' });
    assert.equal(internal.plugins.length, 1);
    assert.deepEqual((internal.plugins[0]!.ipam as { routes: unknown[] }).routes, []);
    const opts = bridgeConfList(
      net({
        options: {
          'com.docker.network.driver.mtu': '1400',
          'com.docker.network.bridge.enable_ip_masquerade': 'false',
        },
      }),
      { ipamDataDir: '/d' },
    );
    assert.equal(opts.plugins[0]!.mtu, 1400);
    assert.deepEqual(loopbackConfList().plugins, [{ type: 'loopback' }]);
  });

  test('ranges: the ip-range inside the subnet, or exactly the static address', () => {
    assert.deepEqual(rangeOf(net({ subnet: '10.10.0.0/16', ipRange: '10.10.5.0/24' })), {
      subnet: '10.10.0.0/16',
      gateway: '10.10.0.1',
      rangeStart: '10.10.5.0',
      rangeEnd: '10.10.5.255',
    });
    // An ip-range equal to the subnet keeps off its network and broadcast addresses.
    assert.deepEqual(rangeOf(net({ ipRange: '10.10.0.0/24' })), {
      subnet: '10.10.0.0/24',
      gateway: '10.10.0.1',
      rangeStart: '10.10.0.1',
      rangeEnd: '10.10.0.254',
    });
    assert.deepEqual(rangeOf(net(), '10.10.0.50'), {
      subnet: '10.10.0.0/24',
      gateway: '10.10.0.1',
      rangeStart: '10.10.0.50',
      rangeEnd: '10.10.0.50',
    });
  });
});

describe('isolation rules', () => {
  test("a network's rules, as docker lays out its isolation stages", () => {
    const lines = networkRules(net()).map(
      (r) => `${r.table} ${r.insert ? '-I' : '-A'} ${r.chain} ${r.args.join(' ')}`,
    );
    assert.deepEqual(lines, [
      'filter -I BERTH-ISOLATION-STAGE-1 -i br-bbbbbbbbbbbb ! -o br-bbbbbbbbbbbb -j BERTH-ISOLATION-STAGE-2',
      'filter -I BERTH-ISOLATION-STAGE-2 -o br-bbbbbbbbbbbb -j DROP',
      'filter -A BERTH-FORWARD -o br-bbbbbbbbbbbb -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      'filter -A BERTH-FORWARD -i br-bbbbbbbbbbbb -o br-bbbbbbbbbbbb -j ACCEPT',
      'filter -A BERTH-FORWARD -i br-bbbbbbbbbbbb ! -o br-bbbbbbbbbbbb -j ACCEPT',
      'filter -A BERTH-FORWARD -o br-bbbbbbbbbbbb -m conntrack --ctstate DNAT -j ACCEPT',
      'nat -A BERTH-POSTROUTING -s 10.10.0.0/24 ! -o br-bbbbbbbbbbbb -j MASQUERADE',
    ]);
  });

  test('internal networks drop what crosses their subnet; enable_icc=false drops within the bridge', () => {
    const lines = networkRules(
      net({ internal: true, options: { 'com.docker.network.bridge.enable_icc': 'false' } }),
    ).map((r) => `${r.chain} ${r.args.join(' ')}`);
    assert.ok(lines.includes('BERTH-ISOLATION-STAGE-1 ! -s 10.10.0.0/24 -o br-bbbbbbbbbbbb -j DROP'));
    assert.ok(lines.includes('BERTH-ISOLATION-STAGE-1 ! -d 10.10.0.0/24 -i br-bbbbbbbbbbbb -j DROP'));
    assert.ok(lines.includes('BERTH-FORWARD -i br-bbbbbbbbbbbb -o br-bbbbbbbbbbbb -j DROP'));
    assert.ok(!lines.some((l) => l.includes('! -o br-bbbbbbbbbbbb -j ACCEPT')));
    assert.ok(!lines.some((l) => l.includes('MASQUERADE')), 'an internal network is not masqueraded');
  });

  test('enable_ip_masquerade=false leaves the masquerade rule out', () => {
    const off = net({ options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' } });
    assert.equal(masquerades(off), false);
    assert.ok(!networkRules(off).some((r) => r.table === 'nat'));
    assert.equal(masquerades(net()), true);
  });
});

describe('iptables -S parsing', () => {
  test('quoted comments with escaped quotes stay one word', () => {
    const text = [
      '-P POSTROUTING ACCEPT',
      '-N CNI-abc',
      '-A POSTROUTING -s 10.1.0.2/32 -m comment --comment "name: \\"web\\" id: \\"c1\\"" -j CNI-abc',
      '-A CNI-abc ! -d 224.0.0.0/4 -m comment --comment "name: \\"web\\" id: \\"c1\\"" -j MASQUERADE',
    ].join('\n');
    const rules = parseRules(text);
    assert.equal(rules.length, 2);
    assert.deepEqual(rules[0], {
      chain: 'POSTROUTING',
      args: ['-s', '10.1.0.2/32', '-m', 'comment', '--comment', 'name: "web" id: "c1"', '-j', 'CNI-abc'],
    });
    assert.equal(jumpOf(rules[1]!), 'MASQUERADE');
    assert.deepEqual(splitWords('a "b c" "" d'), ['a', 'b c', '', 'd']);
  });
});

describe('CNI leftovers', () => {
  test("the bridge plugin's masquerade chain is named as libcni's FormatChainName names it", () => {
    // Seen on a host: the chain the bridge plugin made for this (network, container).
    assert.equal(
      masqueradeChain('neta-a1070e', '84291fad5cd678445393c91640e1de9f880e873676c4237cd55754578adfe852'),
      'CNI-8446c6e034d69cf7b046b502',
    );
  });
});
