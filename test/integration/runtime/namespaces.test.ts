// Namespaces: created ones are new, `path` joins an existing one, user namespaces map ids, sysctls land
// in the container's namespaces; and --preserve-fds / --no-pivot / --log behave as runc's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  mkdtempSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import {
  Bundle,
  cgroupsOf,
  RUNTIME,
  runtimeEnv,
  skipUnlessRoot,
  TestRuntime,
  uniqueId,
  type Result,
} from './harness.js';

describe('namespaces', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  before(async () => {
    rt = new TestRuntime();
    bundle = await Bundle.create();
  });
  after(async () => {
    await rt.cleanup();
    bundle.remove();
  });

  async function inside(args: string[], mutate?: (s: Spec) => void, b: Bundle = bundle): Promise<Result> {
    const saved = JSON.stringify(b.spec);
    b.spec.process!.args = args;
    mutate?.(b.spec);
    b.write();
    Object.assign(b.spec, JSON.parse(saved));
    return rt.run(['run', '-b', b.dir, uniqueId('ns')]);
  }

  test("each created namespace differs from the host's", async () => {
    const r = await inside([
      '/bin/sh',
      '-c',
      'for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const inner = r.stdout.trim().split('\n');
    const host = ['pid', 'net', 'ipc', 'uts', 'mnt'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
    inner.forEach((ns, i) => assert.notEqual(ns, host[i]));
  });

  test("a cgroup namespace roots /proc/self/cgroup at the container's cgroups", async () => {
    const r = await inside(['/bin/sh', '-c', 'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup'], (s) =>
      s.linux!.namespaces!.push({ type: 'cgroup' }),
    );
    assert.equal(r.code, 0, r.stderr);
    const [ns, ...lines] = r.stdout.trim().split('\n');
    assert.notEqual(ns, readlinkSync('/proc/self/ns/cgroup'));
    assert.ok(lines.length > 0);
    for (const line of lines) assert.match(line, /:\/$/, line);
  });

  test('path joins an existing namespace (the network namespace of another container)', async () => {
    const id = uniqueId('holder');
    const holder = await Bundle.create(['/bin/sleep', '30']);
    try {
      holder.write();
      assert.equal((await rt.runDetached(['run', '-d', '-b', holder.dir, id])).code, 0);
      const { pid } = await rt.state(id);
      const want = readlinkSync(`/proc/${pid}/ns/net`);
      const r = await inside(['/bin/readlink', '/proc/self/ns/net'], (s) => {
        s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
          n.type === 'network' ? { type: 'network', path: `/proc/${pid}/ns/net` } : n,
        );
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), want);
    } finally {
      await rt.run(['delete', '-f', id]);
      holder.remove();
    }
  });

  test("network sysctls are set in the container's network namespace only", async () => {
    const before = readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8').trim();
    const r = await inside(
      ['/bin/cat', '/proc/sys/net/ipv4/ip_default_ttl'],
      (s) => (s.linux!.sysctl = { 'net.ipv4.ip_default_ttl': '99' }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '99');
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8').trim(), before);
  });

  test('user namespace: a rootfs owned by mapped ids runs as root inside', async () => {
    const b = await Bundle.create();
    try {
      execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
      // The container's root is host uid 100000: it must be able to reach the rootfs (as with runc).
      chmodSync(b.dir, 0o755);
      const r = await inside(
        [
          '/bin/sh',
          '-c',
          'cat /proc/self/uid_map; id -u; stat -c %u /bin/busybox; touch /tmp/made && stat -c %u /tmp/made',
        ],
        (s) => {
          s.linux!.namespaces!.push({ type: 'user' });
          s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup' && m.type !== 'sysfs');
        },
        b,
      );
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.match(lines[0]!, /^\s*0\s+100000\s+65536$/);
      assert.deepEqual(lines.slice(1), ['0', '0', '0']);
    } finally {
      b.remove();
    }
  });

  test("joining another container's user namespace, the container still gets its own cgroups", async () => {
    // berth-init joins the user namespace before it clones, and only then places the child in its
    // cgroups (clone3 into the cgroup2 one, `tasks` files opened beforehand for the v1 ones).
    const b = await Bundle.create();
    const holder = uniqueId('userns');
    try {
      execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
      chmodSync(b.dir, 0o755);
      b.spec.mounts = b.spec.mounts!.filter((m) => m.type !== 'cgroup' && m.type !== 'sysfs');
      b.spec.linux!.namespaces!.push({ type: 'user' });
      b.spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      b.spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      b.spec.linux!.cgroupsPath = `/berth-test/${holder}`;
      b.spec.process!.args = ['/bin/testinit', 'sleep', '100'];
      b.write();
      assert.equal((await rt.runDetached(['run', '-d', '-b', b.dir, holder])).code, 0);
      const { pid } = await rt.state(holder);
      const id = uniqueId('joiner');
      const r = await inside(
        ['/bin/cat', '/proc/self/cgroup'],
        (s) => {
          s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
            n.type === 'user' ? { type: 'user', path: `/proc/${pid}/ns/user` } : n,
          );
          delete s.linux!.uidMappings;
          delete s.linux!.gidMappings;
          s.linux!.cgroupsPath = `/berth-test/${id}`;
        },
        b,
      );
      assert.equal(r.code, 0, r.stderr);
      const paths = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1));
      assert.deepEqual(
        paths,
        cgroupsOf(process.pid).map(() => `/berth-test/${id}`),
      );
    } finally {
      await rt.run(['delete', '--force', holder]);
      b.remove();
    }
  });

  test('--preserve-fds passes fds 3.. to the container and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-fds-'));
    const b = await Bundle.create(['/bin/testinit', 'fds']);
    try {
      b.write();
      writeFileSync(join(dir, 'extra'), '');
      const extra = openSync(join(dir, 'extra'), 'r');
      const r = await new Promise<Result>((resolve) => {
        const child = spawn(
          RUNTIME,
          ['--root', rt.root, 'run', '--preserve-fds', '1', '-b', b.dir, uniqueId('fds')],
          {
            env: runtimeEnv(),
            stdio: ['ignore', 'pipe', 'pipe', extra],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
      closeSync(extra);
      assert.equal(r.code, 0, r.stderr);
      const fds = JSON.parse(r.stdout) as { fd: number; target: string }[];
      assert.deepEqual(
        fds.map((f) => f.fd),
        [0, 1, 2, 3],
      );
      assert.match(fds[3]!.target, /extra$/);
    } finally {
      b.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--no-pivot chroots instead of pivot_root', async () => {
    const b = await Bundle.create(['/bin/testinit', 'print', 'ok']);
    try {
      b.write();
      const r = await rt.run(['run', '--no-pivot', '-b', b.dir, uniqueId('nopivot')]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'ok\n');
    } finally {
      b.remove();
    }
  });

  test('--log --log-format json records the error for engines to read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-log-'));
    try {
      const log = join(dir, 'log.json');
      const r = await rt.run(['--log', log, '--log-format', 'json', 'state', 'nope']);
      assert.equal(r.code, 1);
      const entry = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!) as {
        level: string;
        msg: string;
        time: string;
      };
      assert.equal(entry.level, 'error');
      assert.equal(entry.msg, 'container "nope" does not exist');
      assert.ok(!Number.isNaN(Date.parse(entry.time)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
