// Bad input through the CLI: exit 1, a message naming the field, and nothing left behind
// (no state dir, no cgroup, no process). One test per class of mistake.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { Bundle, cgroupLeft, skipUnlessRoot, TestRuntime, uniqueId } from './harness.js';

describe('invalid configs', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  before(async () => {
    rt = new TestRuntime();
    bundle = await Bundle.create(['/bin/true']);
  });
  after(async () => {
    await rt.cleanup();
    bundle.remove();
  });

  async function refused(mutate: (s: Spec) => void, message: string): Promise<void> {
    const saved = JSON.stringify(bundle.spec);
    const id = uniqueId('bad');
    mutate(bundle.spec);
    bundle.spec.linux!.cgroupsPath = `/berth-test/${id}`;
    bundle.write();
    Object.assign(bundle.spec, JSON.parse(saved));
    const r = await rt.runDetached(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.stderr, `runtime: ${message}\n`);
    assert.equal(r.code, 1);
    assert.equal(existsSync(join(rt.root, id)), false, 'state dir left behind');
    assert.equal(cgroupLeft(`berth-test/${id}`), undefined, 'cgroup left behind');
  }

  test('unknown namespace', () =>
    refused(
      (s) => s.linux!.namespaces!.push({ type: 'foo' }),
      'linux.namespaces[5].type: unknown namespace "foo"',
    ));
  test('unknown capability', () =>
    refused(
      (s) => (s.process!.capabilities!.effective = ['CAP_NOPE']),
      'process.capabilities.effective[0]: unknown capability "CAP_NOPE"',
    ));
  test('relative mount destination', () =>
    refused(
      (s) => s.mounts!.push({ destination: 'x', type: 'tmpfs', source: 'tmpfs' }),
      'mounts[7].destination: must be an absolute path, got "x"',
    ));
  test('bad rlimit', () =>
    refused(
      (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 9, hard: 1 }]),
      'process.rlimits[0]: soft limit 9 is above hard limit 1',
    ));
  test('missing rootfs', () =>
    refused((s) => (s.root!.path = 'nowhere'), `root.path: "${join(bundle.dir, 'nowhere')}" does not exist`));
  test('namespace path that does not exist', () =>
    refused(
      (s) => s.linux!.namespaces!.push({ type: 'cgroup', path: '/proc/0/ns/cgroup' }),
      'setns "/proc/0/ns/cgroup": No such file or directory',
    ));
  test('an unknown filesystem fails at mount time, cleanly', () =>
    refused(
      (s) => s.mounts!.push({ destination: '/mnt', type: 'nosuchfs', source: 'none' }),
      'mount "none" on "/mnt" (nosuchfs): No such device',
    ));
  test('raising a hard rlimit above ours is refused (no CAP_SYS_RESOURCE here)', () =>
    refused(
      (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1 << 30 }]),
      `setrlimit RLIMIT_NOFILE (7) soft 1024 hard ${1 << 30}: Operation not permitted`,
    ));

  test('config.json that is not JSON', async () => {
    const id = uniqueId('json');
    writeFileSync(join(bundle.dir, 'config.json'), '{"ociVersion": ');
    const r = await rt.runDetached(['create', '-b', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^runtime: config\.json: invalid JSON: /);
    assert.equal(existsSync(join(rt.root, id)), false);
  });

  test('a taken id', async () => {
    bundle.spec.process!.args = ['/bin/sleep', '30'];
    bundle.spec.linux!.cgroupsPath = undefined;
    bundle.write();
    const id = uniqueId('dup');
    assert.equal((await rt.runDetached(['create', '-b', bundle.dir, id])).code, 0);
    const r = await rt.runDetached(['create', '-b', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `runtime: container with id "${id}" already exists\n`);
    assert.equal((await rt.state(id)).status, 'created', 'the first container is untouched');
    assert.equal((await rt.run(['delete', '-f', id])).code, 0);
  });
});
