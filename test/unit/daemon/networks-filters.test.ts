import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bipSubnet,
  networkListFilter,
  networkPruneFilter,
} from '../../../src/daemon/services/networks/index.js';
import { labelsMatch, parseUntil } from '../../../src/daemon/services/object-filters.js';
import type { NetworkRecord } from '../../../src/network/index.js';

function net(over: Partial<NetworkRecord>): NetworkRecord {
  return {
    id: 'a'.repeat(64),
    name: 'web',
    driver: 'bridge',
    created: '2026-01-01T00:00:00.000Z',
    subnet: '10.1.0.0/24',
    gateway: '10.1.0.1',
    userSubnet: false,
    bridge: 'br-aaaa',
    internal: false,
    attachable: false,
    labels: {},
    options: {},
    isDefault: false,
    ...over,
  };
}

const f = (o: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(o));

describe('network list filters', () => {
  it('matches names and IDs as moby does (the value found in the field)', () => {
    const keep = networkListFilter(f({ name: ['we'] }));
    assert.equal(keep(net({}), { inUse: false }), true);
    assert.equal(keep(net({ name: 'db' }), { inUse: false }), false);
    assert.equal(networkListFilter(f({ id: ['aaa'] }))(net({}), { inUse: false }), true);
    assert.equal(networkListFilter(f({ id: ['bbb'] }))(net({}), { inUse: false }), false);
  });

  it('tells builtin from custom and dangling from used', () => {
    const builtin = networkListFilter(f({ type: ['builtin'] }));
    assert.equal(builtin(net({ isDefault: true, name: 'bridge' }), { inUse: false }), true);
    assert.equal(builtin(net({ driver: 'host', name: 'host' }), { inUse: false }), true);
    assert.equal(builtin(net({}), { inUse: false }), false);
    const dangling = networkListFilter(f({ dangling: ['true'] }));
    assert.equal(dangling(net({}), { inUse: false }), true);
    assert.equal(dangling(net({}), { inUse: true }), false);
    assert.equal(dangling(net({ isDefault: true }), { inUse: false }), false);
  });

  it('matches labels by key and by key=value, every one', () => {
    const n = net({ labels: { a: '1', b: '2' } });
    assert.equal(networkListFilter(f({ label: ['a'] }))(n, { inUse: false }), true);
    assert.equal(networkListFilter(f({ label: ['a=1', 'b=2'] }))(n, { inUse: false }), true);
    assert.equal(networkListFilter(f({ label: ['a=2'] }))(n, { inUse: false }), false);
  });

  it('refuses unknown keys and bad values, naming them', () => {
    assert.throws(() => networkListFilter(f({ colour: ['red'] })), { message: "invalid filter 'colour'" });
    assert.throws(() => networkListFilter(f({ type: ['odd'] })), { message: "invalid filter: 'type'='odd'" });
    assert.throws(() => networkListFilter(f({ dangling: ['maybe'] })), {
      message: "invalid filter 'dangling=maybe'",
    });
  });
});

describe('network prune filters', () => {
  it('keeps networks made after until and those with a label!', () => {
    const old = net({ created: '2020-01-01T00:00:00.000Z', labels: { keep: '' } });
    assert.equal(networkPruneFilter(f({ until: ['2021-01-01T00:00:00Z'] }))(old), true);
    assert.equal(networkPruneFilter(f({ until: ['2019-01-01T00:00:00Z'] }))(old), false);
    assert.equal(networkPruneFilter(f({ 'label!': ['keep'] }))(old), false);
    assert.throws(() => networkPruneFilter(f({ dangling: ['true'] })), {
      message: "invalid filter 'dangling'",
    });
  });
});

describe('until and labels', () => {
  it('reads unix seconds, RFC 3339 and Go durations', () => {
    assert.equal(parseUntil(['1700000000']), 1_700_000_000_000);
    assert.equal(parseUntil(['2026-01-01T00:00:00Z']), Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(parseUntil(['1h30m'], 10_000_000), 10_000_000 - 5_400_000);
    assert.throws(() => parseUntil(['soon']), {
      message: "invalid filter 'until=soon': not a timestamp or a duration",
    });
  });

  it('matches a label without a value by its key only', () => {
    assert.equal(labelsMatch({ a: '' }, ['a']), true);
    assert.equal(labelsMatch({ a: 'x' }, ['a=']), false);
  });
});

describe('bip', () => {
  it('splits dockerd --bip into subnet and gateway', () => {
    assert.deepEqual(bipSubnet('172.17.0.1/16'), { subnet: '172.17.0.0/16', gateway: '172.17.0.1' });
    assert.deepEqual(bipSubnet('10.9.8.7/24'), { subnet: '10.9.8.0/24', gateway: '10.9.8.7' });
    assert.throws(() => bipSubnet('10.0.0.1'), /bip: invalid address "10.0.0.1"/);
  });
});
