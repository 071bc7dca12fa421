// The runtime-spec lifecycle through the CLI: create, state, start, kill, delete, run, list — with the
// kernel's word checked (pids alive, pid file, state dir and cgroups gone after delete).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Bundle, cgroupLeft, cgroupsOf, skipUnlessRoot, TestRuntime, uniqueId } from './harness.js';

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};

describe('lifecycle', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  before(async () => {
    rt = new TestRuntime();
    bundle = await Bundle.create(['/bin/sh', '-c', 'echo started; exec sleep 30']);
  });
  after(async () => {
    await rt.cleanup();
    bundle.remove();
  });

  test('create → created, start → running, kill → stopped, delete → gone', async () => {
    const id = uniqueId('life');
    bundle.spec.linux!.cgroupsPath = `/berth-test/${id}`;
    bundle.write();
    const pidFile = join(bundle.dir, 'pid');
    const created = await rt.runDetached(['create', '--bundle', bundle.dir, '--pid-file', pidFile, id]);
    assert.equal(created.code, 0, created.stderr);
    let st = await rt.state(id);
    assert.equal(st.status, 'created');
    assert.equal(st.bundle, bundle.dir);
    assert.equal(readFileSync(pidFile, 'utf8'), String(st.pid));
    assert.ok(alive(st.pid));
    assert.ok(existsSync(`/sys/fs/cgroup/memory/berth-test/${id}`));
    assert.match(
      readFileSync(`/sys/fs/cgroup/memory/berth-test/${id}/cgroup.procs`, 'utf8'),
      new RegExp(`^${st.pid}$`, 'm'),
    );
    // In its cgroup in every hierarchy, v1 and cgroup2 alike.
    assert.deepEqual(
      cgroupsOf(st.pid),
      cgroupsOf(process.pid).map(() => `/berth-test/${id}`),
    );

    assert.equal((await rt.run(['start', id])).code, 0);
    st = await rt.state(id);
    assert.equal(st.status, 'running');
    const again = await rt.run(['start', id]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'runtime: cannot start an already running container\n');

    const del = await rt.run(['delete', id]);
    assert.equal(del.code, 1);
    assert.equal(del.stderr, `runtime: cannot delete container "${id}" that is not stopped: running\n`);

    const pid = st.pid;
    assert.equal((await rt.run(['kill', id, 'KILL'])).code, 0);
    for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
    st = await rt.state(id);
    assert.equal(st.status, 'stopped');
    assert.equal(st.pid, 0);
    const killStopped = await rt.run(['kill', id]);
    assert.equal(killStopped.code, 1);
    assert.equal(killStopped.stderr, 'runtime: container not running\n');

    assert.equal((await rt.run(['delete', id])).code, 0);
    assert.equal(existsSync(join(rt.root, id)), false);
    assert.equal(cgroupLeft(`berth-test/${id}`), undefined);
    const gone = await rt.run(['state', id]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, `runtime: container "${id}" does not exist\n`);
  });

  test('status survives pid reuse: a different start time reads as stopped', async () => {
    const id = uniqueId('reuse');
    bundle.spec.linux!.cgroupsPath = `/berth-test/${id}`;
    bundle.write();
    assert.equal((await rt.runDetached(['create', '-b', bundle.dir, id])).code, 0);
    const statePath = join(rt.root, id, 'state.json');
    const rec = JSON.parse(readFileSync(statePath, 'utf8')) as { startTime: string; pid: number };
    const real = rec.startTime;
    writeFileSync(statePath, JSON.stringify({ ...rec, startTime: '1' }));
    assert.equal((await rt.state(id)).status, 'stopped');
    writeFileSync(statePath, JSON.stringify({ ...rec, startTime: real }));
    assert.equal((await rt.state(id)).status, 'created');
    // Deleting a created container kills its waiting process, as runc does.
    assert.equal((await rt.run(['delete', id])).code, 0);
    assert.equal(alive(rec.pid), false);
  });

  test("run attached: output and exit status are the container's; nothing is left", async () => {
    const b = await Bundle.create(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
    try {
      const id = uniqueId('run');
      b.spec.linux!.cgroupsPath = `/berth-test/${id}`;
      b.write();
      const r = await rt.run(['run', '--bundle', b.dir, id]);
      assert.equal(r.code, 3);
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
      assert.equal(existsSync(join(rt.root, id)), false);
      assert.equal(cgroupLeft(`berth-test/${id}`), undefined);
      // Killed by a signal: 128 + its number. Not as pid 1 of a pid namespace, which the kernel shields
      // from signals it has no handler for.
      b.spec.process!.args = ['/bin/sh', '-c', 'kill -USR1 $$'];
      b.spec.linux!.namespaces = b.spec.linux!.namespaces!.filter((n) => n.type !== 'pid');
      b.write();
      assert.equal((await rt.run(['run', '-b', b.dir, id])).code, 128 + 10);
    } finally {
      b.remove();
    }
  });

  test('run -d detaches; list shows it as a table and as JSON; delete --force stops it', async () => {
    const id = uniqueId('det');
    bundle.spec.linux!.cgroupsPath = `/berth-test/${id}`;
    bundle.write();
    const r = await rt.runDetached(['run', '-d', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    const st = await rt.state(id);
    assert.equal(st.status, 'running');
    const table = await rt.run(['list']);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    assert.match(
      lines.find((l) => l.startsWith(id))!,
      new RegExp(`^${id}\\s+${st.pid}\\s+running\\s+${bundle.dir}\\s+\\S+\\s+root$`),
    );
    const json = JSON.parse((await rt.run(['list', '--format', 'json'])).stdout) as {
      id: string;
      status: string;
    }[];
    assert.deepEqual(
      json.filter((c) => c.id === id).map((c) => c.status),
      ['running'],
    );
    assert.equal((await rt.run(['delete', '--force', id])).code, 0);
    assert.equal(alive(st.pid), false);
    assert.equal(existsSync(join(rt.root, id)), false);
    assert.equal(
      (await rt.run(['delete', '--force', id])).code,
      0,
      'forced delete of a missing container succeeds',
    );
  });

  test('kill --all signals every process of the container', async () => {
    const id = uniqueId('all');
    bundle.spec.linux!.cgroupsPath = `/berth-test/${id}`;
    bundle.write();
    assert.equal((await rt.runDetached(['run', '-d', '-b', bundle.dir, id])).code, 0);
    const { pid } = await rt.state(id);
    assert.equal((await rt.run(['kill', '--all', id, 'SIGKILL'])).code, 0);
    for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await rt.state(id)).status, 'stopped');
    const bad = await rt.run(['kill', id, 'SIGNOPE']);
    assert.equal(bad.stderr, 'runtime: invalid signal "SIGNOPE"\n');
    assert.equal((await rt.run(['delete', id])).code, 0);
  });
});

describe('spec, features, usage', { skip: skipUnlessRoot }, () => {
  const rt = new TestRuntime();
  after(() => rt.cleanup());

  test("spec writes runc's starter config and refuses to overwrite it", async () => {
    const b = await Bundle.create();
    try {
      const r = await rt.run(['spec', '--bundle', b.dir]);
      assert.equal(r.code, 0, r.stderr);
      const spec = JSON.parse(readFileSync(join(b.dir, 'config.json'), 'utf8')) as {
        process: { args: string[] };
      };
      assert.deepEqual(spec.process.args, ['sh']);
      const again = await rt.run(['spec', '--bundle', b.dir]);
      assert.equal(again.code, 1);
      assert.equal(
        again.stderr,
        `runtime: "${join(b.dir, 'config.json')}" already exists: remove it first\n`,
      );
    } finally {
      b.remove();
    }
  });

  test('features is runtime-spec JSON', async () => {
    const r = await rt.run(['features']);
    const f = JSON.parse(r.stdout) as { ociVersionMin: string; linux: { namespaces: string[] } };
    assert.equal(f.ociVersionMin, '1.0.0');
    assert.ok(f.linux.namespaces.includes('user'));
  });

  test('usage errors name the problem', async () => {
    assert.equal((await rt.run(['start'])).stderr, 'runtime: "start" requires exactly 1 argument(s)\n');
    assert.equal((await rt.run(['frobnicate'])).stderr, 'runtime: no such command "frobnicate"\n');
    assert.equal(
      (await rt.run(['--bogus', 'list'])).stderr,
      'runtime: flag provided but not defined: -bogus\n',
    );
    assert.equal(
      (await rt.run(['state', '../etc'])).stderr,
      'runtime: invalid container id format: "../etc"\n',
    );
  });
});
