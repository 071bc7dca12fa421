// Device access control on the real kernel. Containers here get the v1 devices controller (this host is
// hybrid); the cgroup v2 eBPF program is exercised on the host's cgroup2 mount, where — as this test shows
// — an attached BPF_PROG_TYPE_CGROUP_DEVICE program is enforced even though cgroup2 carries no controllers:
// the kernel runs device programs of a task's default-hierarchy cgroup before the v1 check
// (security/device_cgroup.c devcgroup_check_permission).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DeviceRule, Spec } from '../../../src/oci/runtime-spec.js';
import { emulate } from '../../../src/runtime/cgroups/device-emulator.js';
import { attachDeviceProgram, attachedDevicePrograms } from '../../../src/runtime/cgroups/device-program.js';
import { deviceRules } from '../../../src/runtime/cgroups/devices.js';
import {
  Bundle,
  skipUnlessRoot,
  TESTINIT,
  TestRuntime,
  TEST_CGROUP_PARENT,
  uniqueId,
  type Result,
} from './harness.js';

/** /dev/mem's major with a minor no driver answers: the cgroup decides EPERM; past it the driver says ENXIO. */
const PROBE = { major: 1, minor: 200 };

describe('cgroup devices', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  before(() => {
    rt = new TestRuntime();
  });
  after(async () => {
    await rt.cleanup();
  });

  async function inside(script: string, edit?: (s: Spec) => void): Promise<Result & { id: string }> {
    const b = await Bundle.create(['/bin/sh', '-c', script]);
    try {
      const id = uniqueId('dev');
      b.spec.linux!.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
      // mknod(2) needs CAP_MKNOD (Docker grants it; runc's starter spec does not).
      const caps = b.spec.process!.capabilities!;
      for (const set of ['bounding', 'effective', 'permitted'] as const)
        caps[set] = [...(caps[set] ?? []), 'CAP_MKNOD'];
      edit?.(b.spec);
      b.write();
      return { ...(await rt.run(['run', '-b', b.dir, id])), id };
    } finally {
      b.remove();
    }
  }

  const probe = `mknod /tmp/probe c ${PROBE.major} ${PROBE.minor} && /bin/testinit cat /tmp/probe; /bin/testinit cat /dev/null && echo null-ok`;

  test('v1: the default set allows /dev/null and refuses other devices', async () => {
    const r = await inside(probe);
    assert.equal(r.stdout, 'EPERM\nnull-ok\n', r.stderr);
  });

  test('v1: a resources.devices rule opens one device, for the access it names', async () => {
    const r = await inside(`${probe}; /bin/testinit write /tmp/probe x`, (s) => {
      s.linux!.resources = {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', ...PROBE, access: 'r' },
        ],
      };
    });
    // Read passes the cgroup (the driver then says ENXIO); write is still refused by the cgroup.
    assert.equal(r.stdout, 'ENXIO\nnull-ok\nEPERM\n', r.stderr);
  });

  test('v1: devices.list holds exactly the emulated allow list', async () => {
    const list = await inside(`cat /sys/fs/cgroup/devices/devices.list`, (s) => {
      s.mounts!.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] });
    });
    const lines = list.stdout.trim().split('\n').sort();
    assert.ok(lines.includes('c 1:3 rwm'), list.stdout + list.stderr);
    assert.ok(lines.includes('c *:* m'));
    assert.ok(lines.includes('c 136:* rwm'));
    assert.equal(lines.includes('a *:* rwm'), false);
  });
});

describe('cgroup v2 device program on the real kernel', { skip: skipUnlessRoot }, () => {
  const dir = join('/sys/fs/cgroup/unified', TEST_CGROUP_PARENT, uniqueId('bpf'));
  const nodes = mkdtempSync(join(tmpdir(), 'berth-devnodes-'));
  const probePath = join(nodes, 'probe');
  before(() => {
    mkdirSync(dir, { recursive: true });
    execFileSync('mknod', [probePath, 'c', String(PROBE.major), String(PROBE.minor)]);
  });
  after(() => {
    rmdirSync(dir);
    try {
      rmdirSync(join(dir, '..'));
    } catch {
      // another test's cgroup is still there
    }
    rmSync(nodes, { recursive: true, force: true });
  });

  /** Runs testinit from a process that has joined the cgroup before it looks. */
  function testinit(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', `read go; exec "$@"`, 'sh', TESTINIT, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.on('error', reject);
      child.on('exit', () => resolve(out));
      writeFileSync(join(dir, 'cgroup.procs'), String(child.pid));
      child.stdin.end('go\n');
    });
  }

  const rules = (extra: DeviceRule[]): DeviceRule[] =>
    deviceRules({ resources: { devices: [{ allow: false, access: 'rwm' }, ...extra] } });

  test('the program is enforced, and an update replaces it atomically', async () => {
    attachDeviceProgram(dir, emulate(rules([]), 'devices'));
    const first = attachedDevicePrograms(dir);
    assert.equal(first.length, 1);
    assert.equal(await testinit(['cat', '/dev/null']), '');
    assert.equal(await testinit(['write', '/dev/full', 'x']), 'ENOSPC\n'); // allowed: the driver answers
    assert.equal(await testinit(['cat', probePath]), 'EPERM\n');

    attachDeviceProgram(dir, emulate(rules([{ allow: true, type: 'c', ...PROBE, access: 'r' }]), 'devices'));
    const second = attachedDevicePrograms(dir);
    assert.equal(second.length, 1, 'the old program is replaced, not stacked');
    assert.notEqual(second[0], first[0]);
    assert.equal(await testinit(['cat', probePath]), 'ENXIO\n');
    assert.equal(await testinit(['write', probePath, 'x']), 'EPERM\n');
    assert.equal(readFileSync(join(dir, 'cgroup.procs'), 'utf8'), '');
  });

  test('a deny list refuses what overlaps its rule and nothing else', async () => {
    attachDeviceProgram(dir, emulate([{ allow: false, type: 'c', ...PROBE, access: 'w' }], 'devices'));
    assert.equal(attachedDevicePrograms(dir).length, 1);
    assert.equal(await testinit(['cat', probePath]), 'ENXIO\n');
    assert.equal(await testinit(['write', probePath, 'x']), 'EPERM\n');
    assert.equal(await testinit(['write', '/dev/null', 'x']), '');
  });
});
