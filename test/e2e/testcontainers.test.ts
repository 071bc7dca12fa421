// testcontainers-node (npm) against berthd, as its users' test suites drive it: it finds the daemon from
// DOCKER_HOST (asking /info and the default bridge network's gateway), starts a container from the local
// busybox image, waits for a log line, execs, reads the output and stops it, leaving no container behind.
// Ryuk (its reaper container) is off: its image comes from Docker Hub.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type NetworkDaemon, startNetworkDaemon } from '../integration/daemon/networks-fixture.js';
import { skipUnlessRoot } from '../integration/runtime/harness.js';

describe('testcontainers-node against berthd', { skip: skipUnlessRoot }, () => {
  let d: NetworkDaemon;
  const saved = { host: process.env.DOCKER_HOST, ryuk: process.env.TESTCONTAINERS_RYUK_DISABLED };
  const restore = (name: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  before(async () => {
    d = await startNetworkDaemon({ busybox: true });
    process.env.DOCKER_HOST = d.host;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  });
  after(async () => {
    restore('DOCKER_HOST', saved.host);
    restore('TESTCONTAINERS_RYUK_DISABLED', saved.ryuk);
    await d?.stop();
  });

  test('start, wait for a log line, exec, read output, stop', async () => {
    // Imported here: testcontainers reads DOCKER_HOST when it first looks for its container runtime.
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('busybox:latest')
      .withCommand(['sh', '-c', 'echo booting; sleep 0.3; echo service ready; exec sleep 600'])
      .withEnvironment({ GREETING: 'hello from berth' })
      .withWaitStrategy(Wait.forLogMessage('service ready'))
      .withStartupTimeout(30_000)
      .start();
    try {
      const run = await container.exec(['sh', '-c', 'echo "$GREETING"; echo oops >&2; exit 3']);
      assert.equal(run.exitCode, 3);
      assert.equal(run.stdout, 'hello from berth\n');
      assert.equal(run.stderr, 'oops\n');
      const ps = await d.docker(['ps', '--format', '{{.ID}} {{.Image}}']);
      assert.equal(ps.stdout, `${container.getId().slice(0, 12)} busybox:latest\n`);
    } finally {
      await container.stop();
    }
    assert.equal((await d.docker(['ps', '-aq'])).stdout, '', 'testcontainers removes what it started');
  });
});
