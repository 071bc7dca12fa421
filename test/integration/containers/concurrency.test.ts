// 50 clients at once against one berthd, each creating, starting, waiting for and removing its own
// container: every request answers right, and nothing is lost or left — no container rows, snapshots,
// mounts, cgroups or shims beyond what was there before.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessRoot } from '../runtime/harness.js';
import type { TestDaemon } from '../daemon/harness.js';
import {
  cleanupDaemon,
  demux,
  mountsUnder,
  rawApi,
  shimPids,
  startContainersDaemon,
  type Inspected,
} from './harness.js';

const CLIENTS = 50;

/** The snapshot directories of every snapshotter under the data root (<root>/snapshots/<name>/<id>: dir-snapshotter.ts). */
function snapshotDirs(root: string): string[] {
  const base = join(root, 'snapshots');
  const out: string[] = [];
  for (const name of existsSync(base) ? readdirSync(base) : []) {
    const dir = join(base, name);
    for (const s of readdirSync(dir)) if (/^\d+$/.test(s)) out.push(join(dir, s));
  }
  return out.sort();
}

/** The cgroup directories a container id still has in the usual hierarchies. */
function cgroupsOf(id: string): string[] {
  return ['memory', 'pids', 'cpu', 'freezer', 'unified']
    .map((h) => join('/sys/fs/cgroup', h, 'berth', id))
    .filter((p) => existsSync(p));
}

describe(`${CLIENTS} concurrent clients`, { skip: skipUnlessRoot, timeout: 300_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startContainersDaemon();
  });
  after(async () => {
    assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
  });

  test('create, start, wait, logs and remove at once: all answered, nothing leaked', async () => {
    const snapshotsBefore = snapshotDirs(d.root);
    const mountsBefore = mountsUnder(d.dir);
    assert.notDeepEqual(snapshotsBefore, [], "the image's snapshots are where this test looks");
    const one = async (i: number): Promise<string> => {
      const name = `burst-${i}`;
      const created = await d.api('POST', `/containers/create?name=${name}`, {
        Image: 'busybox',
        Cmd: ['sh', '-c', `echo hello-${i}; exit ${i % 4}`],
      });
      assert.equal(created.status, 201, created.text);
      const id = (created.body as { Id: string }).Id;
      const started = await d.api('POST', `/containers/${id}/start`);
      assert.equal(started.status, 204, started.text);
      const waited = await d.api('POST', `/containers/${id}/wait`);
      assert.deepEqual(waited.body, { StatusCode: i % 4 }, `wait of ${name}`);
      const st = (await d.api('GET', `/containers/${name}/json`)).body as Inspected;
      assert.deepEqual([st.Id, st.State.Status, st.State.ExitCode], [id, 'exited', i % 4]);
      const logs = await rawApi(d, 'GET', `/containers/${id}/logs?stdout=1&stderr=1`);
      assert.deepEqual(demux(logs.body), { stdout: `hello-${i}\n`, stderr: '' }, `logs of ${name}`);
      const removed = await d.api('DELETE', `/containers/${id}?v=1`);
      assert.equal(removed.status, 204, removed.text);
      return id;
    };
    const ids = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => one(i)));
    assert.equal(new Set(ids).size, CLIENTS, 'every container had its own id');
    assert.deepEqual((await d.api('GET', '/containers/json?all=1')).body, [], 'no container rows left');
    assert.deepEqual(snapshotDirs(d.root), snapshotsBefore, 'no snapshots left');
    assert.deepEqual(mountsUnder(d.dir), mountsBefore, 'no mounts left');
    assert.deepEqual(shimPids(d), [], 'no shims left');
    assert.deepEqual(ids.flatMap(cgroupsOf), [], 'no cgroups left');
    for (const id of ids)
      assert.equal(existsSync(join(d.root, 'containers', id)), false, `bundle of ${id} removed`);
  });
});
