// dockerode (the Node client most tools build on) against berthd: create and start a container, wait
// for a log line on a followed log stream, exec with separate stdout and stderr and its exit code, and
// remove it, leaving nothing behind.
import assert from 'node:assert/strict';
import { PassThrough, type Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { skipUnlessRoot } from '../integration/runtime/harness.js';
import type { TestDaemon } from '../integration/daemon/harness.js';
import { cleanupDaemon, startContainersDaemon } from '../integration/containers/harness.js';

/** Demultiplexes `stream` with dockerode's own demuxer until it ends. */
function collect(docker: Docker, stream: Readable): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { stdout: '', stderr: '' };
  out.on('data', (b: Buffer) => (text.stdout += b.toString('utf8')));
  err.on('data', (b: Buffer) => (text.stderr += b.toString('utf8')));
  docker.modem.demuxStream(stream, out, err);
  return new Promise((resolve, reject) => {
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
  });
}

describe('dockerode against berthd', { skip: skipUnlessRoot, timeout: 120_000 }, () => {
  let d: TestDaemon;
  let docker: Docker;
  before(async () => {
    d = await startContainersDaemon();
    docker = new Docker({ socketPath: d.socket });
  });
  after(async () => {
    assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
  });

  test('start, wait for a log line, exec, read its output and exit code, remove', async () => {
    const container = await docker.createContainer({
      Image: 'busybox',
      name: 'dockerode-app',
      Cmd: ['sh', '-c', 'echo starting; sleep 0.3; echo ready; exec sleep 1000'],
      Labels: { suite: 'dockerode' },
    });
    await container.start();
    const logs = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
    const lines = new PassThrough();
    let seen = '';
    docker.modem.demuxStream(logs, lines, lines);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "ready" line: ${JSON.stringify(seen)}`)), 20_000);
      lines.on('data', (b: Buffer) => {
        seen += b.toString('utf8');
        if (seen.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    logs.destroy();
    assert.equal(seen, 'starting\nready\n');

    const exec = await container.exec({
      Cmd: ['sh', '-c', 'echo out-$((3*4)); echo problem >&2; exit 2'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    assert.deepEqual(await collect(docker, stream), { stdout: 'out-12\n', stderr: 'problem\n' });
    let info = await exec.inspect();
    for (let i = 0; i < 50 && info.Running; i++) info = await exec.inspect();
    assert.deepEqual([info.Running, info.ExitCode], [false, 2]);

    const listed = await docker.listContainers({ filters: { label: ['suite=dockerode'] } });
    assert.deepEqual(
      listed.map((c) => [c.Names[0], c.State]),
      [['/dockerode-app', 'running']],
    );
    await container.remove({ force: true });
    assert.deepEqual(await docker.listContainers({ all: true }), []);
    await assert.rejects(container.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  });
});
