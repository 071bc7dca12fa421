// Filesystem setup seen from inside: the mount table, read-only root, bind mounts, masked and read-only
// paths, devices, and a rootfs symlink that must not let a mount land outside the rootfs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { Bundle, skipUnlessRoot, TestRuntime, uniqueId, type Result } from './harness.js';

describe('mounts', { skip: skipUnlessRoot }, () => {
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

  async function inside(args: string[], mutate?: (s: Spec) => void): Promise<Result> {
    const saved = JSON.stringify(bundle.spec);
    bundle.spec.process!.args = ['/bin/testinit', ...args];
    mutate?.(bundle.spec);
    bundle.write();
    Object.assign(bundle.spec, JSON.parse(saved));
    return rt.run(['run', '-b', bundle.dir, uniqueId('mnt')]);
  }
  /** mountinfo lines inside the container, as [mountpoint, fstype, mount options, super options]. */
  async function mounts(mutate?: (s: Spec) => void): Promise<string[][]> {
    const r = await inside(['mounts'], mutate);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [pre, post] = line.split(' - ') as [string, string];
        const f = pre.split(' ');
        const p = post.split(' ');
        return [f[4]!, p[0]!, f[5]!, p[2] ?? ''];
      });
  }

  test('the starter mounts are there with their options', async () => {
    const m = await mounts();
    const at = (path: string): string[] | undefined => m.find((x) => x[0] === path);
    assert.equal(at('/proc')?.[1], 'proc');
    assert.equal(at('/dev')?.[1], 'tmpfs');
    assert.match(at('/dev')![2]!, /nosuid/);
    assert.equal(at('/dev/pts')?.[1], 'devpts');
    assert.equal(at('/dev/shm')?.[1], 'tmpfs');
    assert.equal(at('/dev/mqueue')?.[1], 'mqueue');
    assert.equal(at('/sys')?.[1], 'sysfs');
    assert.match(at('/sys')![2]!, /^ro,/);
    assert.equal(at('/sys/fs/cgroup')?.[1], 'tmpfs');
    assert.ok(m.some((x) => x[0]!.startsWith('/sys/fs/cgroup/') && x[1] === 'cgroup'));
    // The host's mounts are gone after pivot_root.
    assert.equal(
      m.some((x) => x[0] === '/work' || x[0]!.startsWith('/run/berth-runtime')),
      false,
    );
  });

  test('bind mount propagation: rslave, rshared and rprivate as the kernel reports them', async () => {
    // A shared host mount to bind from: its peers are what a slave mount would follow.
    const host = mkdtempSync(join(tmpdir(), 'berth-prop-'));
    execFileSync('mount', ['-t', 'tmpfs', 'berth-prop', host]);
    try {
      execFileSync('mount', ['--make-shared', host]);
      mkdirSync(join(host, 'sub'));
      const optional = async (propagation: string): Promise<string> => {
        const r = await inside(['mounts'], (s) =>
          s.mounts!.push({
            destination: '/data',
            type: 'bind',
            source: host,
            options: ['rbind', propagation],
          }),
        );
        assert.equal(r.code, 0, r.stderr);
        const line = r.stdout.split('\n').find((l) => l.split(' ')[4] === '/data');
        assert.ok(line, r.stdout);
        // The optional fields sit between the mount options (field 6) and the " - " separator.
        return line.slice(0, line.indexOf(' - ')).split(' ').slice(6).join(' ');
      };
      assert.match(await optional('rslave'), /^master:\d+$/);
      assert.match(await optional('rshared'), /shared:\d+/);
      assert.equal(await optional('rprivate'), '');
    } finally {
      execFileSync('umount', ['-l', host]);
      rmSync(host, { recursive: true, force: true });
    }
  });

  test("rootfsPropagation: the container's / is a slave by default, shared or private on request", async () => {
    const rootOptional = async (prop?: string): Promise<string> => {
      const r = await inside(['mounts'], (s) => {
        if (prop) s.linux!.rootfsPropagation = prop;
      });
      assert.equal(r.code, 0, r.stderr);
      const line = r.stdout.split('\n').find((l) => l.split(' ')[4] === '/')!;
      return line.slice(0, line.indexOf(' - ')).split(' ').slice(6).join(' ');
    };
    // The host's / is private here, so a slave / has no master to show: what shows is its own tag.
    assert.doesNotMatch(await rootOptional(), /shared:/);
    assert.doesNotMatch(await rootOptional('private'), /shared:|master:/);
    assert.match(await rootOptional('shared'), /shared:\d+/);
  });

  test('read-only root', async () => {
    const r = await inside(['write', '/x', 'data'], (s) => (s.root!.readonly = true));
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /EROFS/);
    const rw = await inside(['write', '/tmp/x', 'data']);
    assert.equal(rw.code, 0, rw.stdout + rw.stderr);
  });

  test('bind mounts: read-write and read-only, directory and file', async () => {
    const host = mkdtempSync(join(tmpdir(), 'berth-bind-'));
    try {
      writeFileSync(join(host, 'file'), 'from the host\n');
      const addBinds = (s: Spec): void => {
        s.mounts!.push({ destination: '/data', type: 'bind', source: host, options: ['rbind', 'rw'] });
        s.mounts!.push({ destination: '/ro', type: 'bind', source: host, options: ['bind', 'ro'] });
        s.mounts!.push({
          destination: '/etc/one-file',
          type: 'bind',
          source: join(host, 'file'),
          options: ['bind', 'ro'],
        });
      };
      const w = await inside(['write', '/data/new', 'hello'], addBinds);
      assert.equal(w.code, 0, w.stdout + w.stderr);
      assert.equal(readFileSync(join(host, 'new'), 'utf8'), 'hello');
      const ro = await inside(['write', '/ro/denied', 'x'], addBinds);
      assert.equal(ro.code, 1);
      assert.match(ro.stdout + ro.stderr, /EROFS/);
      assert.equal(existsSync(join(host, 'denied')), false);
      const file = await inside(['cat', '/etc/one-file'], addBinds);
      assert.equal(file.stdout, 'from the host\n');
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  test('masked paths read empty; read-only paths refuse writes', async () => {
    // /proc/keys exists on every kernel (/proc/kcore does not, on this one). Masked by a bind of
    // /dev/null, it is a character device now.
    const keys = await inside(['stat', '/proc/keys']);
    assert.equal(keys.code, 0, keys.stderr);
    assert.match(keys.stdout, /"type":\s*"char"/);
    // /proc/sys is read-only (this kernel has no /proc/sysrq-trigger).
    const sys = await inside(['write', '/proc/sys/kernel/domainname', 'x']);
    assert.equal(sys.code, 1);
    assert.match(sys.stdout + sys.stderr, /EROFS/);
    const acpi = await inside(['mount-try', 'tmpfs', '/proc/acpi']);
    assert.notEqual(acpi.stdout.trim(), 'ok', 'no CAP_SYS_ADMIN: masks cannot be undone');
  });

  test('default devices and linux.devices', async () => {
    const n = await inside(['stat', '/dev/null']);
    assert.match(n.stdout, /"type":\s*"char"/);
    const d = await inside(['stat', '/dev/berth-null'], (s) => {
      s.linux!.devices = [
        { type: 'c', path: '/dev/berth-null', major: 1, minor: 3, fileMode: 0o600, uid: 7, gid: 8 },
      ];
    });
    assert.equal(d.code, 0, d.stderr);
    const st = JSON.parse(d.stdout) as { uid: number; gid: number; mode: number; type: string };
    assert.equal(st.type, 'char');
    assert.equal(st.uid, 7);
    assert.equal(st.gid, 8);
    assert.equal(st.mode & 0o777, 0o600);
  });

  test('a symlink in the rootfs cannot send a mount outside it', async () => {
    const b = await Bundle.create(['/bin/testinit', 'print', 'ok']);
    const outside = mkdtempSync(join(tmpdir(), 'berth-escape-'));
    try {
      mkdirSync(join(b.rootfs, 'evil'));
      symlinkSync(outside, join(b.rootfs, 'evil', 'link'));
      b.spec.mounts!.push({
        destination: '/evil/link',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['size=1m'],
      });
      b.write();
      const r = await rt.run(['run', '-b', b.dir, uniqueId('esc')]);
      assert.equal(r.code, 0, r.stderr);
      // The tmpfs went to <rootfs>/<outside> (the link resolved inside the rootfs), never onto the host dir.
      const hostMounts = readFileSync('/proc/self/mountinfo', 'utf8');
      assert.equal(hostMounts.includes(` ${outside} `), false);
      assert.ok(existsSync(join(b.rootfs, outside)));
    } finally {
      b.remove();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
