// pause/resume on the real kernel: a frozen container's counter stops and resumes; state and list say
// "paused"; kill, delete and start on a paused container behave as runc's. The cgroup2 freezer (this
// host's cgroup2 has it, controllers or not) is driven directly on a host process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freezeCgroups, isFrozen, thawCgroups } from '../../../src/runtime/cgroups/freezer.js';
import { eventually, readCgroup, removeContainer, startContainer, type Started } from './cgroups-helpers.js';
import { cgroupLeft, skipUnlessRoot, TEST_CGROUP_PARENT, TestRuntime, uniqueId } from './harness.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A container that counts into /tmp/count, about twenty times a second. */
const COUNTER = ['/bin/sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'];

describe('pause and resume', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  before(() => {
    rt = new TestRuntime();
  });
  after(async () => {
    await rt.cleanup();
  });

  const count = (c: Started): number =>
    Number(readFileSync(join(c.bundle.rootfs, 'tmp', 'count'), 'utf8').trim() || 0);

  test('pause stops the processes, resume restarts them; state and list agree', async () => {
    const c = await startContainer(rt, COUNTER);
    try {
      assert.ok(await eventually(() => count(c) > 2), 'the counter never started');
      const p = await rt.run(['pause', c.id]);
      assert.equal(p.code, 0, p.stderr);
      assert.equal(p.stdout + p.stderr, '');
      assert.equal(readCgroup(c.id, 'freezer', 'freezer.state'), 'FROZEN');
      assert.equal((await rt.state(c.id)).status, 'paused');
      const list = await rt.run(['list', '--format', 'json']);
      assert.equal(
        (JSON.parse(list.stdout) as { id: string; status: string }[]).find((s) => s.id === c.id)?.status,
        'paused',
      );
      const frozenAt = count(c);
      await sleep(400);
      assert.equal(count(c), frozenAt, 'the counter advanced while paused');
      assert.match(readFileSync(`/proc/${c.pid}/status`, 'utf8'), /^State:\s+[DS]/m);

      const again = await rt.run(['pause', c.id]);
      assert.equal(again.code, 1);
      assert.equal(again.stderr, 'runtime: container not running\n');

      const r = await rt.run(['resume', c.id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await rt.state(c.id)).status, 'running');
      assert.ok(await eventually(() => count(c) > frozenAt + 2), 'the counter did not resume');
      const notPaused = await rt.run(['resume', c.id]);
      assert.equal(notPaused.code, 1);
      assert.equal(notPaused.stderr, 'runtime: container not paused\n');
    } finally {
      await removeContainer(rt, c);
    }
  });

  test('a paused container: TERM waits for resume, KILL stops it, delete needs --force', async () => {
    const c = await startContainer(rt, [
      '/bin/sh',
      '-c',
      'trap "echo got TERM > /tmp/term; exit 3" TERM; while true; do sleep 0.05; done',
    ]);
    try {
      assert.equal((await rt.run(['pause', c.id])).code, 0);
      assert.equal((await rt.run(['kill', '--all', c.id, 'TERM'])).code, 0);
      await sleep(300);
      assert.equal((await rt.state(c.id)).status, 'paused', 'a frozen process acted on TERM');
      const del = await rt.run(['delete', c.id]);
      assert.equal(del.code, 1);
      assert.equal(del.stderr, `runtime: cannot delete container "${c.id}" that is not stopped: paused\n`);
      assert.equal((await rt.run(['kill', c.id, 'KILL'])).code, 0);
      assert.ok(
        await eventually(async () => (await rt.state(c.id)).status === 'stopped'),
        'KILL did not stop it',
      );
    } finally {
      await removeContainer(rt, c);
    }
    assert.equal(cgroupLeft(`${TEST_CGROUP_PARENT}/${c.id}`), undefined);
  });

  test('delete --force removes a paused container and its cgroups', async () => {
    const c = await startContainer(rt, COUNTER);
    assert.equal((await rt.run(['pause', c.id])).code, 0);
    const del = await rt.run(['delete', '--force', c.id]);
    c.bundle.remove();
    assert.equal(del.code, 0, del.stderr);
    assert.equal(cgroupLeft(`${TEST_CGROUP_PARENT}/${c.id}`), undefined);
    assert.equal((await rt.run(['state', c.id])).code, 1);
  });

  test('a created container can be paused, resumed and then started', async () => {
    const { Bundle } = await import('./harness.js');
    const b = await Bundle.create(COUNTER);
    const id = uniqueId('pc');
    try {
      b.spec.linux!.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
      b.write();
      assert.equal((await rt.runDetached(['create', '-b', b.dir, id])).code, 0);
      assert.equal((await rt.run(['pause', id])).code, 0);
      assert.equal((await rt.state(id)).status, 'paused');
      assert.equal((await rt.run(['resume', id])).code, 0);
      assert.equal((await rt.state(id)).status, 'created');
      assert.equal((await rt.run(['start', id])).code, 0);
      assert.equal((await rt.state(id)).status, 'running');
    } finally {
      await rt.run(['delete', '--force', id]);
      b.remove();
    }
  });

  test('pause and resume of a stopped or unknown container', async () => {
    const missing = await rt.run(['pause', 'no-such-container']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'runtime: container "no-such-container" does not exist\n');
    const usage = await rt.run(['resume']);
    assert.equal(usage.code, 1);
    assert.equal(usage.stderr, 'runtime: "resume" requires exactly 1 argument(s)\n');
    const c = await startContainer(rt, ['/bin/true']);
    try {
      assert.ok(await eventually(async () => (await rt.state(c.id)).status === 'stopped'));
      const r = await rt.run(['pause', c.id]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'runtime: container not running\n');
    } finally {
      await removeContainer(rt, c);
    }
  });
});

describe('the cgroup2 freezer on the real kernel', { skip: skipUnlessRoot }, () => {
  const dir = join('/sys/fs/cgroup/unified', TEST_CGROUP_PARENT, uniqueId('frz'));
  before(() => mkdirSync(dir, { recursive: true }));
  after(() => {
    rmdirSync(dir);
    try {
      rmdirSync(join(dir, '..'));
    } catch {
      // another test's cgroup is still there
    }
  });

  test('cgroup.freeze stops a process until thawed, and cgroup.events says frozen', async () => {
    let ticks = 0;
    const child = spawn('/bin/sh', ['-c', 'while true; do echo t; sleep 0.05; done'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.on('data', (d: Buffer) => (ticks += d.toString().split('\n').length - 1));
    try {
      writeFileSync(join(dir, 'cgroup.procs'), String(child.pid));
      const paths = { '': dir };
      assert.ok(await eventually(() => ticks > 2));
      freezeCgroups(paths);
      assert.match(readFileSync(join(dir, 'cgroup.events'), 'utf8'), /^frozen 1$/m);
      assert.equal(isFrozen(paths), true);
      await sleep(100); // output already in the pipe drains
      const at = ticks;
      await sleep(400);
      assert.equal(ticks, at, 'the process ran while frozen');
      thawCgroups(paths);
      assert.equal(isFrozen(paths), false);
      assert.ok(await eventually(() => ticks > at + 2), 'the process did not resume');
    } finally {
      // The shell's sleeps are in the cgroup too: cgroup.kill ends them all (cgroup-v2.rst, Linux 5.14).
      thawCgroups({ '': dir });
      writeFileSync(join(dir, 'cgroup.kill'), '1');
      await eventually(() => readFileSync(join(dir, 'cgroup.procs'), 'utf8') === '');
    }
  });
});
