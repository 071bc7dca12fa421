// Merging an update into a container's resources: scalars replace, lists update entry by entry,
// unlimited memory lifts swap, absent fields never erase.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeResources } from '../../../../src/runtime/cgroups/merge.js';

test('scalars replace, absent fields keep their values', () => {
  const old = {
    memory: { limit: 64 << 20, swap: 128 << 20, reservation: 1 << 20 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1' },
    pids: { limit: 20 },
  };
  assert.deepEqual(
    mergeResources(old, { memory: { limit: 96 << 20, swap: undefined }, cpu: { shares: 1024, cpus: '' } }),
    {
      memory: { limit: 96 << 20, swap: 128 << 20, reservation: 1 << 20 },
      cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1' },
      pids: { limit: 20 },
    },
  );
  assert.deepEqual(mergeResources(old, { pids: { limit: -1 } }).pids, { limit: -1 });
  assert.deepEqual(mergeResources(undefined, {}), {});
});

test('unlimited memory with no swap given lifts swap too (runc)', () => {
  assert.deepEqual(mergeResources({ memory: { limit: 1, swap: 2 } }, { memory: { limit: -1 } }).memory, {
    limit: -1,
    swap: -1,
  });
  assert.deepEqual(
    mergeResources({ memory: { limit: 1, swap: 2 } }, { memory: { limit: -1, swap: 5 } }).memory,
    {
      limit: -1,
      swap: 5,
    },
  );
});

test('per-device, per-size and per-interface entries are upserted; devices and unified', () => {
  const old = {
    blockIO: {
      weight: 100,
      throttleReadBpsDevice: [
        { major: 8, minor: 0, rate: 1 },
        { major: 8, minor: 16, rate: 2 },
      ],
    },
    hugepageLimits: [{ pageSize: '2MB', limit: 1 }],
    network: { classID: 7, priorities: [{ name: 'eth0', priority: 1 }] },
    unified: { 'memory.high': '1' },
    devices: [{ allow: false, access: 'rwm' }],
  };
  const merged = mergeResources(old, {
    blockIO: {
      throttleReadBpsDevice: [
        { major: 8, minor: 16, rate: 9 },
        { major: 9, minor: 0, rate: 3 },
      ],
    },
    hugepageLimits: [{ pageSize: '1GB', limit: 2 }],
    network: { priorities: [{ name: 'eth0', priority: 4 }] },
    unified: { 'pids.max': '5' },
  });
  assert.deepEqual(merged.blockIO, {
    weight: 100,
    throttleReadBpsDevice: [
      { major: 8, minor: 0, rate: 1 },
      { major: 8, minor: 16, rate: 9 },
      { major: 9, minor: 0, rate: 3 },
    ],
  });
  assert.deepEqual(merged.hugepageLimits, [
    { pageSize: '2MB', limit: 1 },
    { pageSize: '1GB', limit: 2 },
  ]);
  assert.deepEqual(merged.network, { classID: 7, priorities: [{ name: 'eth0', priority: 4 }] });
  assert.deepEqual(merged.unified, { 'memory.high': '1', 'pids.max': '5' });
  assert.deepEqual(merged.devices, old.devices);
  assert.deepEqual(mergeResources(old, { devices: [] }).devices, []);
});
