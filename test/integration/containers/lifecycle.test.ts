// Containers through berthd's Docker Engine API: create, start, wait, logs, inspect, list, stop, kill
// and remove, with dockerd's statuses and messages, and nothing left behind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessRoot } from '../runtime/harness.js';
import type { TestDaemon } from '../daemon/harness.js';
import {
  cleanupDaemon,
  createContainer,
  demux,
  rawApi,
  startContainersDaemon,
  type Inspected,
} from './harness.js';

describe('containers through the API', { skip: skipUnlessRoot, timeout: 180_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startContainersDaemon();
  });
  after(async () => {
    const left = await cleanupDaemon(d);
    assert.deepEqual(left, { mounts: [], shims: [] }, 'nothing left after the containers are removed');
  });

  test('create, start, wait, logs, inspect, remove', async () => {
    const id = await createContainer(d, ['sh', '-c', 'echo out; echo err >&2; exit 3'], {}, 'first');
    assert.match(id, /^[0-9a-f]{64}$/);
    const created = (await d.api('GET', '/containers/first/json')).body as Inspected;
    assert.equal(created.Id, id);
    assert.equal(created.Name, '/first');
    assert.equal(created.State.Status, 'created');
    assert.deepEqual([created.Path, created.Args], ['sh', ['-c', 'echo out; echo err >&2; exit 3']]);
    assert.equal(created.Config.Image, 'busybox');
    assert.ok(existsSync(join(d.root, 'containers', id, 'config.json')));

    const wait = d.api('POST', `/containers/${id}/wait?condition=next-exit`);
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    assert.deepEqual((await wait).body, { StatusCode: 3 });

    const logs = await rawApi(d, 'GET', `/containers/${id}/logs?stdout=1&stderr=1`);
    assert.equal(logs.status, 200);
    assert.deepEqual(demux(logs.body), { stdout: 'out\n', stderr: 'err\n' });
    const inspected = (await d.api('GET', `/containers/${id}/json`)).body as Inspected;
    assert.equal(inspected.State.Status, 'exited');
    assert.equal(inspected.State.ExitCode, 3);
    assert.notEqual(inspected.State.FinishedAt, '0001-01-01T00:00:00Z');

    const list = (await d.api('GET', '/containers/json?all=1')).body as {
      Id: string;
      Status: string;
      Names: string[];
    }[];
    assert.deepEqual(
      list.map((c) => [c.Id, c.Names]),
      [[id, ['/first']]],
    );
    assert.match(list[0]!.Status, /^Exited \(3\) /);
    assert.deepEqual(
      (await d.api('GET', '/containers/json')).body,
      [],
      'not running: not listed without all',
    );

    assert.equal((await d.api('DELETE', `/containers/${id}`)).status, 204);
    assert.equal(existsSync(join(d.root, 'containers', id)), false);
    const gone = await d.api('GET', `/containers/${id}/json`);
    assert.deepEqual([gone.status, gone.body], [404, { message: `No such container: ${id}` }]);
  });

  test('stop sends SIGTERM then SIGKILL; kill; a running container is not removed without force', async () => {
    const id = await createContainer(d, ['sleep', '1000']);
    await d.api('POST', `/containers/${id}/start`);
    const running = (await d.api('GET', `/containers/${id}/json`)).body as Inspected;
    assert.equal(running.State.Status, 'running');
    assert.ok(running.State.Pid > 0);
    const name = running.Name.slice(1);
    const refused = await d.api('DELETE', `/containers/${id}`);
    assert.equal(refused.status, 409);
    assert.equal(
      (refused.body as { message: string }).message,
      `cannot remove container "/${name}": container is running: stop the container before removing or force remove`,
    );
    // sleep as pid 1 ignores SIGTERM (no handler): the stop ends in SIGKILL after t=1.
    assert.equal((await d.api('POST', `/containers/${id}/stop?t=1`)).status, 204);
    const stopped = (await d.api('GET', `/containers/${id}/json`)).body as Inspected;
    assert.deepEqual([stopped.State.Status, stopped.State.ExitCode], ['exited', 137]);
    assert.equal((await d.api('POST', `/containers/${id}/stop`)).status, 304, 'already stopped');

    assert.equal(
      (await d.api('POST', `/containers/${id}/start`)).status,
      204,
      'an exited container starts again',
    );
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 304, 'already running');
    assert.equal((await d.api('POST', `/containers/${id}/kill?signal=SIGKILL`)).status, 204);
    const killed = (await d.api('GET', `/containers/${id}/json`)).body as Inspected;
    assert.deepEqual([killed.State.Status, killed.State.ExitCode], ['exited', 137]);
    const notRunning = await d.api('POST', `/containers/${id}/kill`);
    assert.deepEqual(
      [notRunning.status, notRunning.body],
      [409, { message: `cannot kill container: ${id}: container ${id} is not running` }],
    );
    await d.api('POST', `/containers/${id}/start`);
    assert.equal((await d.api('DELETE', `/containers/${id}?force=1`)).status, 204);
    assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
  });

  test("an exec's stream ends only once its exit code is recorded (the docker CLI reads it right after)", async () => {
    const id = await createContainer(d, ['sleep', '1000']);
    await d.api('POST', `/containers/${id}/start`);
    // The race it guards against showed in about one run of three at 20 execs.
    for (let i = 0; i < 40; i++) {
      const code = (i % 7) + 1;
      const made = await d.api('POST', `/containers/${id}/exec`, {
        Cmd: ['sh', '-c', `echo ${i}; exit ${code}`],
        AttachStdout: true,
        AttachStderr: true,
      });
      const execId = (made.body as { Id: string }).Id;
      const out = await rawApi(d, 'POST', `/exec/${execId}/start`, { Detach: false, Tty: false });
      assert.equal(demux(out.body).stdout, `${i}\n`);
      const st = (await d.api('GET', `/exec/${execId}/json`)).body as { Running: boolean; ExitCode: number };
      assert.deepEqual([st.Running, st.ExitCode], [false, code], `exec ${i}`);
    }
    assert.equal((await d.api('DELETE', `/containers/${id}?force=1`)).status, 204);
  });

  test('bad requests name what is wrong and leave nothing', async () => {
    const noImage = await d.api('POST', '/containers/create', { Image: 'nosuch:1', Cmd: ['true'] });
    assert.deepEqual([noImage.status, noImage.body], [404, { message: 'No such image: nosuch:1' }]);
    const badName = await d.api('POST', '/containers/create?name=a/b', { Image: 'busybox', Cmd: ['true'] });
    assert.deepEqual(
      [badName.status, badName.body],
      [400, { message: 'Invalid container name (a/b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed' }],
    );
    const id = await createContainer(d, ['true'], {}, 'taken');
    const taken = await d.api('POST', '/containers/create?name=taken', { Image: 'busybox', Cmd: ['true'] });
    assert.equal(taken.status, 409);
    assert.equal(
      (taken.body as { message: string }).message,
      `Conflict. The container name "/taken" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    const badBind = await d.api('POST', '/containers/create', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { Mounts: [{ Type: 'bind', Source: '/nonexistent-berth-src', Target: '/x' }] },
    });
    assert.equal(badBind.status, 400);
    assert.match(
      (badBind.body as { message: string }).message,
      /bind source path does not exist: \/nonexistent-berth-src$/,
    );
    const notFound = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['nosuchcmd'] });
    const nf = (notFound.body as { Id: string }).Id;
    const start = await d.api('POST', `/containers/${nf}/start`);
    assert.equal(start.status >= 400, true);
    assert.match((start.body as { message: string }).message, /nosuchcmd/);
    const after = (await d.api('GET', `/containers/${nf}/json`)).body as Inspected;
    assert.equal(after.State.ExitCode, 127);
    await d.api('DELETE', `/containers/${nf}`);
    await d.api('DELETE', `/containers/${id}`);
    const all = (await d.api('GET', '/containers/json?all=1')).body as unknown[];
    assert.deepEqual(all, [], 'only the containers that were made, and they are gone');
  });
});
