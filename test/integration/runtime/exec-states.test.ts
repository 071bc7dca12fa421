// `exec` and the container's state (stopped, paused, created, in a user namespace) and bad input: each
// refusal exits 255 with runc's or a field-naming message, and leaves no process in the container.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Bundle, RUNTIME, runtimeEnv, skipUnlessRoot, TestRuntime, uniqueId } from './harness.js';
import { containerPids, execPids, killExecs, startHolder, waitFor } from './exec-helpers.js';

describe('exec states and errors', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  let id: string;
  before(async () => {
    rt = new TestRuntime();
    bundle = await Bundle.create();
    id = uniqueId('exst');
    await startHolder(rt, bundle, id);
  });
  after(async () => {
    await killExecs(id);
    await rt.cleanup();
    bundle.remove();
  });

  /** Runs exec and checks that it failed with `message` and left nothing in the container. */
  async function refused(args: string[], message: string): Promise<void> {
    const before = containerPids(id).length;
    const r = await rt.run(['exec', ...args]);
    assert.equal(r.stderr, `runtime: exec failed: ${message}\n`);
    assert.equal(r.stdout, '');
    assert.equal(r.code, 255);
    assert.equal(containerPids(id).length, before, 'no process left in the container');
  }

  test('bad input is refused with a message naming the flag', async () => {
    await refused(['nope', '/bin/true'], 'container "nope" does not exist');
    await refused([id], 'exec args cannot be empty');
    await refused(['-u', 'root', id, '/bin/true'], '--user: "root" is not uid[:gid] in numbers');
    await refused(['-g', '-1', id, '/bin/true'], '--additional-gids: "-1" is not a non-negative number');
    await refused(['--cap', 'CAP_NOPE', id, '/bin/true'], '--cap: unknown capability "CAP_NOPE"');
    await refused(['--cwd', 'tmp', id, '/bin/true'], '--cwd: must be an absolute path, got "tmp"');
    await refused(['-e', 'NOEQUALS', id, '/bin/true'], '--env: "NOEQUALS" is not NAME=value');
    await refused(
      ['-d', '-t', id, '/bin/true'],
      '--tty: cannot allocate a terminal when detached without --console-socket',
    );
    await refused(
      ['--console-socket', '/tmp/x.sock', id, '/bin/true'],
      '--console-socket: needs --detach and a terminal (--tty or process.terminal)',
    );
    await refused(['--process', '/x.json', '-e', 'A=1', id], '--env: cannot be combined with --process');
    await refused(
      ['--cgroup', 'memory:nope', id, '/bin/true'],
      `--cgroup: cgroup "/sys/fs/cgroup/memory/berth-test/${id}/nope" does not exist`,
    );
    await refused(['--cgroup', 'bogus:x', id, '/bin/true'], '--cgroup: no "bogus" hierarchy for "bogus:x"');
    const apparmor = existsSync('/sys/module/apparmor/parameters/enabled')
      ? readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y'
      : false;
    await refused(
      ['--apparmor', 'p', id, '/bin/true'],
      apparmor
        ? '--apparmor: cannot apply AppArmor profile "p": not supported by berth-runtime'
        : '--apparmor: AppArmor is not enabled on this host, cannot apply profile "p"',
    );
    if (!existsSync('/sys/fs/selinux/enforce'))
      await refused(
        ['--process-label', 'l', id, '/bin/true'],
        '--process-label: SELinux is not enabled on this host, cannot apply label "l"',
      );
  });

  test('a bad --process file is refused naming the file and the field', async () => {
    const file = join(bundle.dir, 'bad-process.json');
    writeFileSync(file, JSON.stringify({ args: [], cwd: '/', user: { uid: 0, gid: 0 } }));
    await refused(['--process', file, id], `--process "${file}": process.args: must not be empty`);
    writeFileSync(file, '{');
    assert.match((await rt.run(['exec', '--process', file, id])).stderr, /--process ".*": invalid JSON: /);
    await refused(
      ['--process', join(bundle.dir, 'none.json'), id],
      `--process "${join(bundle.dir, 'none.json')}": ENOENT: no such file or directory, open '${join(bundle.dir, 'none.json')}'`,
    );
  });

  test('a program that cannot be run fails exec, as podman expects to read it', async () => {
    await refused([id, 'nope'], 'exec: "nope": executable file not found in $PATH');
    await refused([id, '/bin/nope'], 'exec "/bin/nope": No such file or directory');
    await refused(['--cwd', '/missing', id, '/bin/true'], 'chdir "/missing": No such file or directory');
  });

  test('a paused container refuses exec; --ignore-paused waits until it is resumed', async () => {
    const freezer = `/sys/fs/cgroup/freezer/berth-test/${id}/freezer.state`;
    writeFileSync(freezer, 'FROZEN');
    try {
      assert.equal((await rt.state(id)).status, 'paused');
      await refused([id, '/bin/true'], 'cannot exec in a paused container (use --ignore-paused to override)');
      const child = spawn(
        RUNTIME,
        ['--root', rt.root, 'exec', '--ignore-paused', id, '/bin/testinit', 'print', 'hi'],
        {
          env: runtimeEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
      // The process joins the frozen cgroup and freezes there until the container is resumed.
      assert.ok(await waitFor(() => execPids(id).length > 0), 'the exec joined the cgroup');
      assert.equal(stdout, '');
      writeFileSync(freezer, 'THAWED');
      assert.equal(await closed, 0);
      assert.equal(stdout, 'hi\n');
    } finally {
      writeFileSync(freezer, 'THAWED');
    }
  });

  test('a stopped container refuses exec; a created one takes it', async () => {
    const b = await Bundle.create(['/bin/testinit', 'exit', '0']);
    const stopped = uniqueId('exstop');
    try {
      b.write();
      assert.equal((await rt.runDetached(['run', '-d', '--keep', '-b', b.dir, stopped])).code, 0);
      for (let i = 0; i < 200 && (await rt.state(stopped)).status !== 'stopped'; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal((await rt.state(stopped)).status, 'stopped');
      const r = await rt.run(['exec', stopped, '/bin/true']);
      assert.deepEqual(
        [r.code, r.stderr],
        [255, 'runtime: exec failed: cannot exec in a stopped container\n'],
      );
      await rt.run(['delete', stopped]);

      const created = uniqueId('excreated');
      assert.equal((await rt.runDetached(['create', '-b', b.dir, created])).code, 0);
      const { pid } = await rt.state(created);
      const r2 = await rt.run(['exec', created, '/bin/readlink', '/proc/self/ns/mnt']);
      assert.equal(r2.code, 0, r2.stderr);
      assert.equal(r2.stdout.trim(), readlinkSync(`/proc/${pid}/ns/mnt`));
      assert.equal((await rt.state(created)).status, 'created');
      await rt.run(['delete', '--force', created]);
    } finally {
      b.remove();
    }
  });

  test("joins the container's user namespace first", async () => {
    const b = await Bundle.create();
    const userns = uniqueId('exuser');
    try {
      await startHolder(rt, b, userns, (s) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
        s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup' && m.type !== 'sysfs');
      });
      const { pid } = await rt.state(userns);
      const r = await rt.run(['exec', userns, '/bin/sh', '-c', 'readlink /proc/self/ns/user; id -u']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${readlinkSync(`/proc/${pid}/ns/user`)}\n0\n`);
      assert.notEqual(readlinkSync(`/proc/${pid}/ns/user`), readlinkSync('/proc/self/ns/user'));
    } finally {
      await rt.run(['delete', '--force', userns]);
      b.remove();
    }
  });
});
