// The plan handed to native/init, asserted without a kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec } from '../../../../src/oci/default-spec.js';
import { MS } from '../../../../src/oci/linux.js';
import { buildPlan, capMask, makedev, type PlanInput } from '../../../../src/runtime/plan/build.js';
import { encodePlan } from '../../../../src/runtime/plan/encode.js';
import type { Step } from '../../../../src/runtime/plan/ops.js';

function input(mutate?: (i: PlanInput) => void): PlanInput {
  const i: PlanInput = {
    spec: defaultSpec(),
    bundle: '/b',
    stateDir: '/run/berth-runtime/c1',
    preserveFds: 0,
    noPivot: false,
    cgroups: [
      { path: '/sys/fs/cgroup/memory/c1', version: 1 },
      { path: '/sys/fs/cgroup/unified/c1', version: 2 },
    ],
    cgroupMounts: [
      { name: 'memory', fstype: 'cgroup', data: 'memory', hostPath: '/sys/fs/cgroup/memory/c1' },
    ],
    isDirectory: () => true,
  };
  mutate?.(i);
  return i;
}

const ops = (steps: Step[]): string[] => steps.map((s) => s.op);
const find = <T extends Step['op']>(steps: Step[], op: T): Extract<Step, { op: T }>[] =>
  steps.filter((s): s is Extract<Step, { op: T }> => s.op === op);

test('namespaces become clone flags; cgroup is unshared by the child after the join', () => {
  const i = input((x) => x.spec.linux!.namespaces!.push({ type: 'cgroup' }));
  const steps = buildPlan(i);
  const clone = find(steps, 'CLONE')[0]!;
  assert.equal(clone.flags, 0x20000000n | 0x40000000n | 0x08000000n | 0x04000000n | 0x00020000n);
  assert.deepEqual(find(steps, 'UNSHARE'), [{ op: 'UNSHARE', flags: 0x02000000n }]);
  assert.ok(ops(steps).indexOf('CGROUP_V1') < ops(steps).indexOf('UNSHARE'));
  assert.deepEqual(
    steps.filter((s) => s.op === 'CGROUP_V1' || s.op === 'CGROUP_V2'),
    [
      { op: 'CGROUP_V1', path: '/sys/fs/cgroup/memory/c1' },
      { op: 'CGROUP_V2', path: '/sys/fs/cgroup/unified/c1' },
    ],
  );
});

test('joined namespaces put the user namespace first', () => {
  const steps = buildPlan(
    input((x) => {
      x.spec.linux!.namespaces = [
        { type: 'mount' },
        { type: 'network', path: '/run/netns/a' },
        { type: 'user', path: '/proc/1/ns/user' },
      ];
    }),
  );
  assert.deepEqual(
    find(steps, 'JOIN_NS').map((s) => s.path),
    ['/proc/1/ns/user', '/run/netns/a'],
  );
});

test('steps follow runc order: rootfs, pivot, sysctl, masks, rlimits, creds, ready, fifo, exec', () => {
  const i = input((x) => (x.spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }));
  const o = ops(buildPlan(i));
  const order = [
    'ROOTFS',
    'MOUNT',
    'PIVOT',
    'SYSCTL',
    'TERMINAL',
    'MASK',
    'READONLY',
    'RLIMIT',
    'NO_NEW_PRIVS',
    'CREDS',
    'CWD',
    'LOOKUP',
    'READY',
    'FIFO_WAIT',
    'EXEC',
  ];
  const idx = order.map((op) => o.indexOf(op));
  assert.ok(
    idx.every((v) => v >= 0),
    `missing: ${order.filter((_, k) => idx[k]! < 0).join(',')}`,
  );
  assert.deepEqual(
    [...idx].sort((a, b) => a - b),
    idx,
  );
  assert.equal(o.at(-1), 'EXEC');
  const steps = buildPlan(i);
  const rootRo = steps.findIndex((s) => s.op === 'REMOUNT' && s.path === '/');
  assert.ok(rootRo > o.lastIndexOf('READONLY') && rootRo < o.indexOf('RLIMIT'));
});

test('mount options split into flags, data and propagation', () => {
  const steps = buildPlan(input());
  const dev = find(steps, 'MOUNT').find((m) => m.dest === '/dev')!;
  assert.equal(dev.fstype, 'tmpfs');
  assert.equal(dev.flags, MS.NOSUID | MS.STRICTATIME);
  assert.equal(dev.data, 'mode=755,size=65536k');
  const sys = find(steps, 'MOUNT').find((m) => m.dest === '/sys')!;
  assert.equal(sys.flags, MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
});

test('bind mounts resolve relative sources against the bundle and remount for extra flags', () => {
  const steps = buildPlan(
    input((x) => {
      x.spec.mounts!.push({
        destination: '/data',
        type: 'bind',
        source: 'data',
        options: ['rbind', 'ro', 'rshared'],
      });
      x.isDirectory = (p) => p !== '/etc/hosts';
      x.spec.mounts!.push({
        destination: '/etc/hosts',
        type: 'bind',
        source: '/etc/hosts',
        options: ['bind'],
      });
    }),
  );
  const data = find(steps, 'MOUNT').find((m) => m.dest === '/data')!;
  assert.equal(data.source, '/b/data');
  assert.equal(data.flags, MS.BIND | MS.REC | MS.RDONLY);
  assert.equal(data.kind, 1 | 4);
  assert.equal(data.propagation, MS.SHARED | MS.REC);
  const hosts = find(steps, 'MOUNT').find((m) => m.dest === '/etc/hosts')!;
  assert.equal(hosts.kind, 1 | 2);
});

test('default devices are made with mknod, or bound from the host in a user namespace', () => {
  const plain = find(buildPlan(input()), 'MKNOD').find((d) => d.path === '/dev/null')!;
  assert.equal(plain.mode, 0o020666);
  assert.equal(plain.dev, makedev(1, 3));
  const userns = buildPlan(
    input((x) => {
      x.spec.linux!.namespaces!.push({ type: 'user' });
      x.spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      x.spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }),
  );
  assert.ok(
    find(userns, 'MOUNT').some((m) => m.dest === '/dev/null' && m.source === '/dev/null' && m.kind === 3),
  );
  assert.deepEqual(find(userns, 'UID_MAP'), [{ op: 'UID_MAP', content: '0 100000 65536\n' }]);
});

test('capabilities become bit masks', () => {
  assert.equal(capMask(['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN']), (1n << 0n) | (1n << 5n) | (1n << 21n));
  const creds = find(buildPlan(input()), 'CREDS')[0]!;
  assert.equal(creds.bounding, (1n << 29n) | (1n << 5n) | (1n << 10n));
  assert.equal(creds.inheritable, 0n);
});

test('the cgroup mount is a tmpfs of hierarchies, read-only after pivot', () => {
  const steps = buildPlan(input());
  const o = ops(steps);
  const cg = find(steps, 'MOUNT').filter((m) => m.dest.startsWith('/sys/fs/cgroup'));
  assert.deepEqual(
    cg.map((m) => [m.dest, m.fstype || 'bind']),
    [
      ['/sys/fs/cgroup', 'tmpfs'],
      ['/sys/fs/cgroup/memory', 'bind'],
    ],
  );
  const remount = steps.findIndex((s) => s.op === 'REMOUNT' && s.path === '/sys/fs/cgroup');
  assert.ok(remount > o.indexOf('PIVOT'));
});

test('the encoding is length-prefixed records after a magic and version', () => {
  const buf = encodePlan([{ op: 'HOSTNAME', name: 'abc' }, { op: 'EXEC' }]);
  assert.equal(buf.subarray(0, 4).toString(), 'BPLN');
  assert.equal(buf.readUInt32LE(4), 1);
  assert.equal(buf.readUInt16LE(8), 21);
  assert.equal(buf.readUInt32LE(12), 8); // u32 length + "abc" + NUL
  assert.equal(buf.readUInt32LE(16), 3);
  assert.equal(buf.subarray(20, 24).toString('latin1'), 'abc\0');
  assert.equal(buf.readUInt16LE(24), 45);
  assert.equal(buf.readUInt32LE(28), 0);
  assert.equal(buf.length, 32);
});
