// CVE-2021-30465 class: a mount's destination is resolved inside the rootfs, whatever symlinks the image
// (or a neighbour racing the runtime) puts in its way. The detector: `outside` is a host directory made a
// shared mount, and the containers ask for rshared root propagation, so a mount that landed on it (outside
// the rootfs) would show up in the host's own mount table. Where each mount did land is read from the
// container's mountinfo while it waits on its exec fifo.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { hostMountsUnder, readMountinfo, until, type MountEntry } from './hardening-attacker.js';
import { Bundle, skipUnlessRoot, TestRuntime, uniqueId, type Result } from './harness.js';

describe('hardening: mounts stay inside the rootfs', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let outside: string;
  const bundles: Bundle[] = [];
  before(() => {
    rt = new TestRuntime();
    outside = mkdtempSync(join(tmpdir(), 'berth-harden-outside-'));
    execFileSync('mount', ['--bind', outside, outside]);
    execFileSync('mount', ['--make-shared', outside]);
  });
  after(async () => {
    await rt.cleanup();
    for (const b of bundles) b.remove();
    for (const mp of hostMountsUnder(outside).reverse()) execFileSync('umount', ['-l', mp]);
    rmSync(outside, { recursive: true, force: true });
  });

  async function bundle(args: string[]): Promise<Bundle> {
    const b = await Bundle.create(args);
    b.spec.linux!.rootfsPropagation = 'rshared'; // a mount on `outside` would reach the host's table
    bundles.push(b);
    return b;
  }

  /** Creates the container, hands its mount table to `check`, deletes it. */
  async function mountsOf(b: Bundle, check: (mounts: MountEntry[], created: Result) => void): Promise<void> {
    const id = uniqueId('mnt');
    b.write();
    const created = await rt.runDetached(['create', '-b', b.dir, id]);
    try {
      const mounts = created.code === 0 ? readMountinfo(`/proc/${(await rt.state(id)).pid}/mountinfo`) : [];
      check(mounts, created);
    } finally {
      await rt.run(['delete', '--force', id]);
    }
  }

  function assertNothingOutside(what: string): void {
    assert.deepEqual(hostMountsUnder(outside), [outside], `${what}: a mount landed on the host`);
    assert.deepEqual(readdirSync(outside), [], `${what}: something was made in the host directory`);
  }

  const at = (mounts: MountEntry[], mountPoint: string, fstype: string): boolean =>
    mounts.some((m) => m.mountPoint === mountPoint && m.fstype === fstype);

  test('/proc -> /: proc lands on the rootfs, not on the host', async () => {
    const b = await bundle(['/bin/true']);
    rmSync(join(b.rootfs, 'proc'), { recursive: true });
    symlinkSync('/', join(b.rootfs, 'proc'));
    await mountsOf(b, (mounts, created) => {
      assert.equal(created.code, 0, created.stderr);
      assert.ok(at(mounts, '/', 'proc'), JSON.stringify(mounts));
    });
  });

  test("/dev/shm -> /etc: the tmpfs covers the container's /etc", async () => {
    const b = await bundle(['/bin/true']);
    // Without the /dev tmpfs, /dev of the image is used, with its symlink.
    b.spec.mounts = b.spec.mounts!.filter((m) => m.destination !== '/dev');
    symlinkSync('/etc', join(b.rootfs, 'dev', 'shm'));
    await mountsOf(b, (mounts, created) => {
      assert.equal(created.code, 0, created.stderr);
      assert.ok(at(mounts, '/etc', 'tmpfs'), JSON.stringify(mounts));
      assert.ok(lstatSync(join(b.rootfs, 'dev', 'shm')).isSymbolicLink(), 'the image is left as it was');
    });
  });

  test('/sys -> a host directory: sysfs lands at that path inside the rootfs', async () => {
    const b = await bundle(['/bin/true']);
    rmSync(join(b.rootfs, 'sys'), { recursive: true });
    symlinkSync(outside, join(b.rootfs, 'sys'));
    await mountsOf(b, (mounts, created) => {
      assert.equal(created.code, 0, created.stderr);
      assert.ok(at(mounts, outside, 'sysfs'), JSON.stringify(mounts));
      assert.ok(at(mounts, `${outside}/fs/cgroup`, 'tmpfs'), 'and what is mounted under /sys follows it');
    });
    assertNothingOutside('/sys -> outside');
  });

  test('a destination through a symlinked parent, and one climbing with "..", stay inside', async () => {
    const b = await bundle(['/bin/true']);
    symlinkSync(outside, join(b.rootfs, 'data'));
    mkdirSync(join(b.rootfs, 'a'));
    symlinkSync('../../../../..', join(b.rootfs, 'a', 'up'));
    b.spec.mounts!.push(
      { destination: '/data/x', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
      { destination: `/../../../..${outside}/y`, type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
      { destination: `/a/up${outside}/z`, type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
      { destination: '/a/up/etc/bound', type: 'bind', source: outside, options: ['rbind'] },
    );
    await mountsOf(b, (mounts, created) => {
      assert.equal(created.code, 0, created.stderr);
      for (const mp of [`${outside}/x`, `${outside}/y`, `${outside}/z`])
        assert.ok(at(mounts, mp, 'tmpfs'), `${mp}: ${JSON.stringify(mounts)}`);
      assert.ok(mounts.some((m) => m.mountPoint === '/etc/bound'));
    });
    assertNothingOutside('symlinked parent and ".."');
    assert.ok(statSync(join(b.rootfs, outside, 'x')).isDirectory(), 'made inside the rootfs');
  });

  test('a neighbour swapping a directory and a symlink on a shared volume cannot send a mount outside (the race)', async () => {
    // The CVE's exploit: two containers share a volume; one keeps exchanging volume/d (a directory) and
    // volume/link (-> a host path) with RENAME_EXCHANGE while the other's runtime mounts onto volume/d.
    const volume = mkdtempSync(join(tmpdir(), 'berth-harden-volume-'));
    const swapper = uniqueId('swapper');
    try {
      mkdirSync(join(volume, 'd'));
      symlinkSync(outside, join(volume, 'link'));
      const s = await bundle(['/bin/testinit', 'swap-loop', '/vol/d', '/vol/link']);
      s.spec.mounts!.push({ destination: '/vol', type: 'bind', source: volume, options: ['rbind'] });
      s.write();
      assert.equal((await rt.runDetached(['run', '-d', '-b', s.dir, swapper])).code, 0);
      await until('the swapper to swap', () =>
        lstatSync(join(volume, 'd')).isSymbolicLink() ? true : undefined,
      );

      const v = await bundle(['/bin/true']);
      v.spec.mounts!.push(
        { destination: '/vol', type: 'bind', source: volume, options: ['rbind'] },
        { destination: '/vol/d', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
      );
      // Where the tmpfs may land: on the directory (shown under whichever name it has now, d or link:
      // the runtime mounts on the directory it resolved, wherever it is renamed meanwhile), or, when the
      // symlink was there, at the symlink's target inside the rootfs. Never on the host.
      const inside = ['/vol/d', '/vol/link', outside];
      const landed = new Set<string>();
      for (let i = 0; i < 20; i++) {
        await mountsOf(v, (mounts, created) => {
          assert.equal(created.code, 0, created.stderr);
          const tmpfs = mounts.filter((m) => m.fstype === 'tmpfs' && inside.includes(m.mountPoint));
          assert.equal(tmpfs.length, 1, JSON.stringify(mounts));
          landed.add(tmpfs[0]!.mountPoint);
        });
        assertNothingOutside(`attempt ${i}`);
      }
      // The race was run: at least once the symlink was in place when the runtime resolved volume/d.
      assert.ok(landed.has(outside), `only ever found the directory: ${[...landed].join(', ')}`);
    } finally {
      await rt.run(['delete', '--force', swapper]);
      rmSync(volume, { recursive: true, force: true });
    }
  });

  describe('masked and read-only paths cannot be undone from inside', () => {
    // Each attempt is one testinit command; "ok" or the errno name per line.
    const attempts = [
      'umount-try /proc/keys', // masked (a bind of /dev/null)
      'umount-try /proc/acpi', // masked (a read-only tmpfs), where the kernel has it
      'bind-try /tmp /proc/keys', // bind over a mask
      'mount-try tmpfs /proc/keys',
      'umount-try /proc/sys', // read-only
      'remount-try /proc/sys rw',
      'mount-try tmpfs /proc/sys', // mount over
      'bind-try /tmp /proc/sys',
    ];
    const script = attempts.map((a) => `/bin/testinit ${a}`).join('; ');
    async function tryAll(mutate?: (s: Spec) => void, prepare?: (b: Bundle) => void): Promise<string[]> {
      const b = await bundle(['/bin/sh', '-c', script]);
      prepare?.(b);
      mutate?.(b.spec);
      b.write();
      const r = await rt.run(['run', '-b', b.dir, uniqueId('undo')]);
      return r.stdout.trim().split('\n');
    }

    test('without CAP_SYS_ADMIN every attempt is refused', async () => {
      const answers = await tryAll();
      assert.equal(answers.length, attempts.length, answers.join('\n'));
      answers.forEach((a, i) => assert.equal(a, 'EPERM', attempts[i]));
    });

    test('in a user namespace too, where the container is root', async () => {
      const answers = await tryAll(
        (s) => {
          s.linux!.namespaces!.push({ type: 'user' });
          s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup' && m.type !== 'sysfs');
        },
        (b) => {
          execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
          chmodSync(b.dir, 0o755);
        },
      );
      answers.forEach((a, i) => assert.equal(a, 'EPERM', attempts[i]));
    });

    test('the probes work: with CAP_SYS_ADMIN the same attempts succeed', async () => {
      const answers = await tryAll((s) => {
        for (const set of ['bounding', 'effective', 'permitted'] as const)
          s.process!.capabilities![set] = [...(s.process!.capabilities![set] ?? []), 'CAP_SYS_ADMIN'];
      });
      assert.equal(answers[0], 'ok', `${attempts[0]}: ${answers.join(' ')}`);
      assert.equal(answers[4], 'ok', `${attempts[4]}: ${answers.join(' ')}`);
    });
  });

  test('user namespace: files owned by mapped ids show as those ids; writes land mapped on the host; oomScoreAdj', async () => {
    const b = await bundle([
      '/bin/sh',
      '-c',
      'id -u; id -g; stat -c %u:%g /home/user/owned /unmapped; touch /home/user/new; stat -c %u:%g /home/user/new; cat /proc/self/oom_score_adj',
    ]);
    b.spec.process!.oomScoreAdj = 500; // written by the child as root of the namespace, into its own /proc
    b.spec.linux!.rootfsPropagation = undefined;
    b.spec.linux!.namespaces!.push({ type: 'user' });
    b.spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    b.spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    b.spec.mounts = b.spec.mounts!.filter((m) => m.type !== 'cgroup' && m.type !== 'sysfs');
    b.spec.process!.user = { uid: 1000, gid: 1000 };
    execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
    chmodSync(b.dir, 0o755);
    mkdirSync(join(b.rootfs, 'home', 'user'), { recursive: true });
    writeFileSync(join(b.rootfs, 'home', 'user', 'owned'), 'mine\n');
    for (const p of ['home/user', 'home/user/owned']) chownSync(join(b.rootfs, p), 101000, 101000);
    writeFileSync(join(b.rootfs, 'unmapped'), 'host root\n'); // owned by host uid 0: outside the map
    b.write();
    const r = await rt.run(['run', '-b', b.dir, uniqueId('userns')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      '1000',
      '1000',
      '1000:1000',
      '65534:65534',
      '1000:1000',
      '500',
    ]);
    const made = statSync(join(b.rootfs, 'home', 'user', 'new'));
    assert.deepEqual([made.uid, made.gid], [101000, 101000]);
  });
});
