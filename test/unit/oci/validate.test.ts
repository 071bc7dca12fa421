// config.json validation: one test per class of mistake, each asserting the exact message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '../../../src/base/errors.js';
import { defaultSpec } from '../../../src/oci/default-spec.js';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { validateSpec } from '../../../src/oci/validate.js';

function rejects(mutate: (s: Spec & Record<string, unknown>) => void, message: string): void {
  const spec = defaultSpec() as Spec & Record<string, unknown>;
  mutate(spec);
  assert.throws(
    () => validateSpec(JSON.parse(JSON.stringify(spec))),
    (err: unknown) => err instanceof BerthError && err.code === 'InvalidArgument' && err.message === message,
  );
}

test('the starter spec is valid', () => {
  assert.doesNotThrow(() => validateSpec(defaultSpec()));
});

test('not an object', () => {
  assert.throws(() => validateSpec([]), /^BerthError: config: must be an object$/);
});

test('missing or unsupported ociVersion', () => {
  rejects((s) => delete (s as Partial<Spec>).ociVersion, 'ociVersion: required');
  rejects((s) => (s.ociVersion = '2.0.0'), 'ociVersion: unsupported version "2.0.0"');
});

test('root', () => {
  rejects((s) => delete s.root, 'root: required');
  rejects((s) => (s.root = { path: 7 as unknown as string }), 'root.path: must be a string');
});

test('unknown and duplicate namespaces', () => {
  rejects(
    (s) => s.linux!.namespaces!.push({ type: 'foo' }),
    'linux.namespaces[5].type: unknown namespace "foo"',
  );
  rejects(
    (s) => s.linux!.namespaces!.push({ type: 'pid' }),
    'linux.namespaces[5].type: duplicate namespace "pid"',
  );
  rejects(
    (s) => s.linux!.namespaces!.push({ type: 'cgroup', path: 'rel' }),
    'linux.namespaces[5].path: must be an absolute path, got "rel"',
  );
  rejects(
    (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount')),
    'linux.namespaces: a mount namespace is required',
  );
});

test('user namespace mappings', () => {
  rejects(
    (s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    'linux.uidMappings: requires a user namespace',
  );
  rejects(
    (s) => s.linux!.namespaces!.push({ type: 'user' }),
    'linux.uidMappings: a new user namespace needs mappings',
  );
  rejects((s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 0 }];
  }, 'linux.uidMappings[0].size: must be greater than 0');
});

test('process', () => {
  rejects((s) => delete s.process, 'process: required');
  rejects((s) => (s.process!.args = []), 'process.args: must not be empty');
  rejects((s) => (s.process!.cwd = 'tmp'), 'process.cwd: must be an absolute path, got "tmp"');
  rejects((s) => (s.process!.user.uid = -1), 'process.user.uid: must be a non-negative integer, got -1');
  rejects(
    (s) => (s.process!.capabilities!.bounding = ['CAP_FOO']),
    'process.capabilities.bounding[0]: unknown capability "CAP_FOO"',
  );
  rejects(
    (s) => s.process!.rlimits!.push({ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }),
    'process.rlimits[1].type: unknown rlimit "RLIMIT_BOGUS"',
  );
  rejects(
    (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }]),
    'process.rlimits[0]: soft limit 10 is above hard limit 5',
  );
  rejects(
    (s) => (s.process!.oomScoreAdj = 2000),
    'process.oomScoreAdj: must be an integer from -1000 to 1000, got 2000',
  );
});

test('mounts', () => {
  rejects(
    (s) => s.mounts!.push({ destination: 'mnt', type: 'tmpfs', source: 'tmpfs' }),
    'mounts[7].destination: must be an absolute path, got "mnt"',
  );
  rejects(
    (s) => s.mounts!.push({ destination: '/mnt', type: 'bind' }),
    'mounts[7].source: a bind mount needs a source',
  );
  rejects(
    (s) => s.mounts!.push({ destination: '/mnt', source: 'x' }),
    'mounts[7].type: required for a mount that is not a bind mount',
  );
});

test('hostname without a uts namespace', () => {
  rejects(
    (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts')),
    'hostname: cannot set a hostname without a private uts namespace',
  );
});

test('sysctls', () => {
  rejects(
    (s) => (s.linux!.sysctl = { 'vm.swappiness': '1' }),
    'linux.sysctl["vm.swappiness"]: not namespaced: cannot be set for a container',
  );
  rejects((s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  }, 'linux.sysctl["net.ipv4.ip_forward"]: requires a private network namespace');
});

test('devices and propagation', () => {
  rejects(
    (s) => (s.linux!.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]),
    'linux.devices[0].type: unknown device type "x"',
  );
  rejects((s) => (s.linux!.devices = [{ type: 'c', path: '/dev/x' }]), 'linux.devices[0].major: required');
  rejects(
    (s) => (s.linux!.rootfsPropagation = 'sideways'),
    'linux.rootfsPropagation: unknown propagation "sideways"',
  );
  rejects(
    (s) => (s.linux!.maskedPaths = ['proc/kcore']),
    'linux.maskedPaths[0]: must be an absolute path, got "proc/kcore"',
  );
});

test('hooks', () => {
  rejects(
    (s) => (s.hooks = { prestart: [{ path: 'hook' }] }),
    'hooks.prestart[0].path: must be an absolute path, got "hook"',
  );
  rejects(
    (s) => (s.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] }),
    'hooks.poststop[0].timeout: must be a positive integer',
  );
});

test('seccomp: the whole profile is checked, naming the field', () => {
  type Profile = NonNullable<NonNullable<Spec['linux']>['seccomp']>;
  const withSyscalls = (syscalls: unknown[]): Profile =>
    ({ defaultAction: 'SCMP_ACT_ERRNO', syscalls }) as Profile;
  const allow = { names: ['read'], action: 'SCMP_ACT_ALLOW' };
  rejects(
    (s) =>
      (s.linux!.seccomp = withSyscalls([allow, allow, allow, { names: ['read'], action: 'SCMP_ACT_FOO' }])),
    'linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"',
  );
  rejects(
    (s) =>
      (s.linux!.seccomp = withSyscalls([{ ...allow, args: [{ index: 0, value: 1, op: 'SCMP_CMP_ABOUT' }] }])),
    'linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_ABOUT"',
  );
  rejects(
    (s) => (s.linux!.seccomp = withSyscalls([{ action: 'SCMP_ACT_ALLOW' }])),
    'linux.seccomp.syscalls[0].names: must list at least one syscall',
  );
  rejects((s) => (s.linux!.seccomp = {} as Profile), 'linux.seccomp.defaultAction: must name an action');
  rejects(
    (s) => (s.linux!.seccomp = 'SCMP_ACT_ALLOW' as unknown as Profile),
    'linux.seccomp: must be an object',
  );
  const ok = defaultSpec();
  ok.linux!.seccomp = { defaultAction: 'SCMP_ACT_LOG', architectures: ['SCMP_ARCH_S390X'] };
  assert.doesNotThrow(() => validateSpec(JSON.parse(JSON.stringify(ok))));
});
