// `ps` on the real kernel: --format json lists the container's host pids (what containerd parses), the
// table keeps ps(1)'s header and the container's rows only, ps options pass through.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, readCgroup, removeContainer, startContainer, type Started } from './cgroups-helpers.js';
import { skipUnlessRoot, TestRuntime } from './harness.js';

describe('ps', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let c: Started;
  let pids: number[];
  before(async () => {
    rt = new TestRuntime();
    c = await startContainer(rt, ['/bin/sh', '-c', 'sleep 301 & sleep 302 & wait']);
    assert.ok(await eventually(() => readCgroup(c.id, 'pids', 'cgroup.procs').split('\n').length === 3));
    pids = readCgroup(c.id, 'pids', 'cgroup.procs')
      .split('\n')
      .map(Number)
      .sort((a, b) => a - b);
  });
  after(async () => {
    await removeContainer(rt, c);
    await rt.cleanup();
  });

  test("--format json: the host pids in the container's cgroup", async () => {
    const r = await rt.run(['ps', '--format', 'json', c.id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[\d+(,\d+)*\]\n$/);
    assert.deepEqual(
      (JSON.parse(r.stdout) as number[]).sort((a, b) => a - b),
      pids,
    );
    assert.ok(pids.includes(c.pid));
  });

  test('table: ps -ef rows of the container only, with the header', async () => {
    const r = await rt.run(['ps', c.id]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^UID\s+PID\s+PPID/);
    assert.equal(lines.length, 4);
    const shown = lines
      .slice(1)
      .map((l) => Number(l.trim().split(/\s+/)[1]))
      .sort((a, b) => a - b);
    assert.deepEqual(shown, pids);
    assert.ok(lines.some((l) => l.endsWith('sleep 301')));
  });

  test('ps options pass through; without a PID column it is an error', async () => {
    const r = await rt.run(['ps', c.id, '-o', 'pid,comm']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[1]),
      ['COMMAND', 'sh', 'sleep', 'sleep'],
    );
    const noPid = await rt.run(['ps', c.id, '-o', 'comm']);
    assert.equal(noPid.code, 1);
    assert.equal(noPid.stderr, "runtime: couldn't find PID field in ps output\n");
    const bad = await rt.run(['ps', c.id, '--no-such-option']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^runtime: exit status 1: /);
  });

  test('usage and format errors', async () => {
    assert.equal((await rt.run(['ps'])).stderr, 'runtime: "ps" requires a minimum of 1 argument(s)\n');
    assert.equal((await rt.run(['ps', '-f', 'yaml', c.id])).stderr, 'runtime: invalid format option\n');
    assert.equal((await rt.run(['ps', 'nope'])).stderr, 'runtime: container "nope" does not exist\n');
  });
});
