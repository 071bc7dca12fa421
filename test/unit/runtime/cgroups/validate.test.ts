// linux.resources validation: every bad field is named, with the value, before anything is written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResources } from '../../../../src/runtime/cgroups/validate.js';

const bad = (raw: unknown, message: string): void => {
  assert.throws(() => checkResources(raw, 'linux.resources'), { message });
};

test('a full, valid object passes unchanged', () => {
  const r = {
    devices: [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: -1, access: 'rw' },
    ],
    memory: {
      limit: 1 << 26,
      reservation: 1 << 25,
      swap: -1,
      kernel: -1,
      swappiness: 0,
      disableOOMKiller: true,
    },
    cpu: { shares: 512, quota: 50000, burst: 1000, period: 100000, cpus: '0-1', mems: '0', idle: 1 },
    pids: { limit: 0 },
    blockIO: {
      weight: 500,
      weightDevice: [{ major: 8, minor: 0, weight: 300 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    },
    hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
    network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 5 }] },
    rdma: { mlx5_1: { hcaHandles: 3 } },
    unified: { 'io.max': '8:0 rbps=1024' },
  };
  assert.equal(checkResources(r, 'linux.resources'), r);
  assert.deepEqual(checkResources(undefined, 'x'), {});
});

test('bad values name their field', () => {
  bad({ memory: { limit: '1g' } }, 'linux.resources.memory.limit: must be an integer, got "1g"');
  bad(
    { memory: { swap: -2 } },
    'linux.resources.memory.swap: must be between -1 and 9007199254740991, got -2',
  );
  bad(
    { memory: { swappiness: 101 } },
    'linux.resources.memory.swappiness: must be between 0 and 100, got 101',
  );
  bad({ cpu: { cpus: 'all' } }, 'linux.resources.cpu.cpus: invalid list "all" (want e.g. "0-3,7")');
  bad(
    { cpu: { quota: 1000, burst: 2000 } },
    'linux.resources.cpu.burst: must not be larger than quota (1000), got 2000',
  );
  bad({ pids: {} }, 'linux.resources.pids.limit: required');
  bad({ devices: [{ type: 'c' }] }, 'linux.resources.devices[0].allow: required, a boolean');
  bad(
    { devices: [{ allow: true, type: 'x' }] },
    'linux.resources.devices[0].type: unknown device type "x" (want a, b or c)',
  );
  bad(
    { devices: [{ allow: true, access: 'rx' }] },
    'linux.resources.devices[0].access: unknown access "rx" (a combination of r, w and m)',
  );
  bad(
    { blockIO: { weightDevice: [{ major: 8, minor: 0 }] } },
    'linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight (config-linux.md "Block IO")',
  );
  bad(
    { blockIO: { throttleWriteIOPSDevice: [{ major: 8, rate: 5 }] } },
    'linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: required',
  );
  bad(
    { hugepageLimits: [{ pageSize: '2M', limit: 1 }] },
    'linux.resources.hugepageLimits[0].pageSize: invalid page size "2M" (want e.g. "2MB")',
  );
  bad(
    { network: { priorities: [{ name: 'a b', priority: 1 }] } },
    'linux.resources.network.priorities[0].name: invalid interface name "a b"',
  );
  bad(
    { rdma: { dev: {} } },
    'linux.resources.rdma["dev"]: needs hcaHandles or hcaObjects (config-linux.md "RDMA")',
  );
  bad(
    { unified: { '../memory.max': '1' } },
    'linux.resources.unified["../memory.max"]: must be a cgroup file name of the form "controller.parameter"',
  );
  bad({ unified: { 'memory.max': 5 } }, 'linux.resources.unified["memory.max"]: must be a string');
  bad([], 'linux.resources: must be an object');
});
