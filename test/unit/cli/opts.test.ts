import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags } from '../../../src/base/flags.js';
import { parseContainerFlags, RUN_FLAGS, type ClientEnv } from '../../../src/cli/opts/container.js';
import { parseMountFlag } from '../../../src/cli/opts/mount.js';
import { addPublish, type PortSpecs } from '../../../src/cli/opts/ports.js';
import { parseCpus, parseDuration, ramInBytes } from '../../../src/cli/opts/units.js';

const env: ClientEnv = {
  getenv: (n) => ({ HOME: '/home/me', EMPTY: '' })[n],
  readFile: (p) => {
    if (p === 'vars.env') return '# comment\nA=1\n\nHOME\nMISSING\n';
    if (p === 'bad.env') return 'B = x\n';
    throw new Error('ENOENT');
  },
};

const run = (argv: string[]) => {
  const { values, args } = parseFlags(argv, RUN_FLAGS, false);
  return parseContainerFlags(values, args, env, true);
};

test('units: sizes, durations, cpus', () => {
  assert.equal(ramInBytes('64m'), 64 * 1024 * 1024);
  assert.equal(ramInBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(ramInBytes('512'), 512);
  assert.equal(ramInBytes('10MB'), 10 * 1024 * 1024);
  assert.throws(() => ramInBytes('lots'), { message: "invalid size: 'lots'" });
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.throws(() => parseDuration('30'), { message: 'time: missing unit in duration "30"' });
  assert.throws(() => parseDuration('3x'), { message: 'time: invalid duration "3x"' });
  assert.equal(parseCpus('0.5'), 500_000_000);
  assert.throws(() => parseCpus('half'), /failed to parse half as a rational number/);
});

test('ports: host ip, ranges, protocols, v6', () => {
  const p: PortSpecs = { exposed: {}, bindings: {} };
  addPublish(p, '8080:80');
  addPublish(p, '127.0.0.1::53/udp');
  addPublish(p, '9000-9001:90-91');
  addPublish(p, '[::1]:8443:443');
  addPublish(p, '7000');
  assert.deepEqual(p.bindings['80/tcp'], [{ HostIp: '', HostPort: '8080' }]);
  assert.deepEqual(p.bindings['53/udp'], [{ HostIp: '127.0.0.1', HostPort: '' }]);
  assert.deepEqual(p.bindings['91/tcp'], [{ HostIp: '', HostPort: '9001' }]);
  assert.deepEqual(p.bindings['443/tcp'], [{ HostIp: '::1', HostPort: '8443' }]);
  assert.deepEqual(p.bindings['7000/tcp'], [{ HostIp: '', HostPort: '' }]);
  assert.ok('90/tcp' in p.exposed);
  assert.throws(() => addPublish(p, '1:2:3:4'), /invalid port format/);
  assert.throws(() => addPublish(p, '80/bogus'), { message: 'invalid proto: bogus' });
  assert.throws(() => addPublish(p, 'x:80'), /invalid hostPort port: x/);
});

test('--mount CSV', () => {
  assert.deepEqual(parseMountFlag('type=bind,source=/a,target=/b,readonly,bind-propagation=rslave'), {
    Type: 'bind',
    Source: '/a',
    Target: '/b',
    ReadOnly: true,
    BindOptions: { Propagation: 'rslave' },
  });
  assert.deepEqual(parseMountFlag('type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770'), {
    Type: 'tmpfs',
    Target: '/t',
    TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 },
  });
  assert.equal(parseMountFlag('src=data,dst=/data').Type, 'volume');
  assert.throws(() => parseMountFlag('type=bind,source=/a'), { message: 'target is required' });
  assert.throws(
    () => parseMountFlag('type=volume,dst=/x,bind-propagation=shared'),
    /cannot mix 'bind-\*' options with mount type 'volume'/,
  );
  assert.throws(() => parseMountFlag('type=bind,dst=/x,colour=red'), /unexpected key 'colour'/);
});

test('run: the create request docker would send', () => {
  const r = run([
    '-it',
    '--rm',
    '--name',
    'web',
    '-e',
    'A=2',
    '-e',
    'HOME',
    '-e',
    'NOPE',
    '--env-file',
    'vars.env',
    '-v',
    '/srv:/srv:ro',
    '-v',
    '/anon',
    '-p',
    '8080:80',
    '-m',
    '64m',
    '--cpus',
    '0.5',
    '--pids-limit',
    '50',
    '--restart',
    'no',
    '--health-cmd',
    'true',
    '--health-interval',
    '5s',
    '--entrypoint',
    '',
    '-l',
    'tier=front',
    'busybox',
    'sh',
    '-c',
    'echo hi',
  ]);
  assert.equal(r.image, 'busybox');
  assert.equal(r.name, 'web');
  const q = r.request;
  assert.deepEqual(q.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(q.Entrypoint, ['']);
  assert.deepEqual(q.Env, ['A=1', 'HOME=/home/me', 'A=2', 'HOME=/home/me', 'NOPE']);
  assert.equal(q.Tty, true);
  assert.equal(q.OpenStdin, true);
  assert.equal(q.StdinOnce, true);
  assert.equal(q.AttachStdin, true);
  assert.deepEqual(q.Volumes, { '/anon': {} });
  assert.deepEqual(q.HostConfig!.Binds, ['/srv:/srv:ro']);
  assert.deepEqual(q.HostConfig!.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.equal(q.HostConfig!.Memory, 64 * 1024 * 1024);
  assert.equal(q.HostConfig!.NanoCpus, 500_000_000);
  assert.equal(q.HostConfig!.PidsLimit, 50);
  assert.equal(q.HostConfig!.AutoRemove, true);
  assert.deepEqual(q.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9 });
  assert.deepEqual(q.Labels, { tier: 'front' });
});

test("run: detached requests attach nothing; conflicts are docker's", () => {
  const d = run(['-d', 'busybox']);
  assert.equal(d.detach, true);
  assert.equal(d.request.AttachStdout, false);
  assert.equal(d.request.Cmd, null);
  assert.throws(() => run(['--rm', '--restart', 'always', 'busybox']), {
    message: 'Conflicting options: --restart and --rm',
  });
  assert.throws(() => run(['-d', '-a', 'stdout', 'busybox']), { message: 'Conflicting options: -a and -d' });
  assert.throws(
    () => run(['--restart', 'always:3', 'busybox']),
    /maximum retry count cannot be used with restart policy 'always'/,
  );
  assert.throws(() => run(['--env-file', 'nope.env', 'busybox']), {
    message: 'open nope.env: no such file or directory',
  });
  assert.throws(
    () => run(['--security-opt', 'seccomp=/nope.json', 'busybox']),
    /opening seccomp profile \(\/nope.json\) failed/,
  );
  assert.deepEqual(run(['--restart', 'on-failure:3', 'busybox']).request.HostConfig!.RestartPolicy, {
    Name: 'on-failure',
    MaximumRetryCount: 3,
  });
});
