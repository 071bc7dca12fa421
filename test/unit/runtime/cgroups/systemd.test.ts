// The systemd `slice:prefix:name` form of cgroupsPath: slices expand as systemd.slice(5) nests them,
// units are named as runc names them, and bad forms are refused naming the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandSlice, parseSystemdCgroupsPath } from '../../../../src/runtime/cgroups/systemd.js';

test('slices expand by their dashes', () => {
  assert.equal(expandSlice('system.slice'), '/system.slice');
  assert.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  assert.equal(expandSlice('-.slice'), '/');
  for (const bad of ['system', '.slice', 'a--b.slice', '-a.slice', 'a/b.slice'])
    assert.throws(() => expandSlice(bad), { message: `linux.cgroupsPath: invalid slice name "${bad}"` });
});

test('units: scopes with and without a prefix, slices, and the default', () => {
  assert.deepEqual(parseSystemdCgroupsPath('system.slice:docker:abc', 'x'), {
    slice: 'system.slice',
    unit: 'docker-abc.scope',
    path: '/system.slice/docker-abc.scope',
  });
  assert.equal(parseSystemdCgroupsPath('user.slice::abc', 'x').path, '/user.slice/abc.scope');
  assert.equal(parseSystemdCgroupsPath(':crio:abc', 'x').path, '/system.slice/crio-abc.scope');
  assert.equal(parseSystemdCgroupsPath('-.slice:p:abc', 'x').path, '/p-abc.scope');
  assert.equal(parseSystemdCgroupsPath('machine.slice::pod.slice', 'x').unit, 'pod.slice');
  assert.equal(parseSystemdCgroupsPath('', 'c9').path, '/system.slice/runc-c9.scope');
});

test('malformed systemd paths are refused with the value quoted', () => {
  assert.throws(() => parseSystemdCgroupsPath('/docker/abc', 'x'), {
    message: 'linux.cgroupsPath: expected "slice:prefix:name" for systemd cgroups, got "/docker/abc"',
  });
  assert.throws(() => parseSystemdCgroupsPath('system.slice:docker:', 'x'), {
    message: 'linux.cgroupsPath: the name part of "system.slice:docker:" is empty',
  });
  assert.throws(() => parseSystemdCgroupsPath('system.slice:docker:../x', 'x'), {
    message: 'linux.cgroupsPath: the name part "../x" of "system.slice:docker:../x" must not be a path',
  });
  assert.throws(() => parseSystemdCgroupsPath('docker:p:abc', 'x'), {
    message: 'linux.cgroupsPath: invalid slice name "docker"',
  });
});
