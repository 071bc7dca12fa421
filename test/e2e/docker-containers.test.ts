// The real docker CLI (28, /usr/local/bin/docker) and `berth` against berthd, the same scenarios for
// both: attached and detached runs with their exit codes, ps, logs, exec, stop, kill, wait, rename,
// pause, inspect, rm, --rm, a restart policy; and a berthd SIGKILLed under 20 running containers
// that re-adopts them all on its next start.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipUnlessRoot } from '../integration/runtime/harness.js';
import type { TestDaemon } from '../integration/daemon/harness.js';
import { cleanupDaemon, startContainersDaemon, type Inspected } from '../integration/containers/harness.js';

const CLIENTS = [
  { name: 'docker', skip: existsSync('/usr/local/bin/docker') ? false : 'the docker CLI is not installed' },
  { name: 'berth', skip: false },
] as const;

for (const client of CLIENTS) {
  describe(
    `${client.name} CLI against berthd`,
    { skip: skipUnlessRoot || client.skip, timeout: 240_000 },
    () => {
      let d: TestDaemon;
      const cli = (args: string[], input?: string) =>
        client.name === 'docker' ? d.docker(args, { input }) : d.berth(args, { input });
      const inspect = async (ref: string): Promise<Inspected> =>
        (JSON.parse((await cli(['inspect', ref])).stdout) as Inspected[])[0]!;
      before(async () => {
        d = await startContainersDaemon();
      });
      after(async () => {
        assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
      });

      test('run attached: output and the exit code; a missing command is 127; --rm leaves nothing', async () => {
        const r = await cli([
          'run',
          '--name',
          'att',
          'busybox',
          'sh',
          '-c',
          'echo to-out; echo to-err >&2; exit 3',
        ]);
        assert.deepEqual([r.code, r.stdout, r.stderr.trim()], [3, 'to-out\n', 'to-err']);
        const missing = await cli(['run', '--rm', 'busybox', 'nosuchcmd']);
        assert.equal(missing.code, 127);
        assert.match(missing.stderr, /executable file not found in \$PATH/);
        const piped = await cli(['run', '-i', '--rm', 'busybox', 'cat'], 'through stdin\n');
        assert.deepEqual([piped.code, piped.stdout], [0, 'through stdin\n']);
        const ps = await cli(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
        assert.match(ps.stdout, /^att Exited \(3\) .* ago\n$/, 'only the container without --rm is left');
        assert.equal((await cli(['rm', 'att'])).stdout, 'att\n');
      });

      test('detached: ps, logs, exec, top, pause, rename, stop, wait, rm', async () => {
        const run = await cli([
          'run',
          '-d',
          '--name',
          'bg',
          '-e',
          'GREETING=hi',
          'busybox',
          'sh',
          '-c',
          'echo "$GREETING"; exec sleep 1000',
        ]);
        assert.equal(run.code, 0, run.stderr);
        const id = run.stdout.trim();
        assert.match(id, /^[0-9a-f]{64}$/);
        const ps = await cli(['ps', '--format', '{{.ID}} {{.Names}} {{.Command}}']);
        assert.ok(ps.stdout.startsWith(`${id.slice(0, 12)} bg "sh -c `), ps.stdout);
        for (let i = 0; i < 50 && !(await cli(['logs', 'bg'])).stdout; i++) await sleep(100);
        assert.equal((await cli(['logs', 'bg'])).stdout, 'hi\n');
        const exec = await cli(['exec', 'bg', 'sh', '-c', 'echo "in $GREETING $(hostname)"; exit 5']);
        assert.deepEqual([exec.code, exec.stdout], [5, `in hi ${id.slice(0, 12)}\n`]);
        const top = await cli(['top', 'bg']);
        assert.match(top.stdout, /^UID\s+PID\s+PPID.*\n.*sleep 1000\n$/);
        assert.equal((await cli(['pause', 'bg'])).code, 0);
        assert.equal((await inspect('bg')).State.Status, 'paused');
        assert.equal((await cli(['unpause', 'bg'])).code, 0);
        assert.equal((await cli(['rename', 'bg', 'bg2'])).code, 0);
        assert.equal((await inspect(id)).Name, '/bg2');
        const waiting = cli(['wait', 'bg2']);
        assert.equal((await cli(['stop', '-t', '1', 'bg2'])).stdout, 'bg2\n');
        assert.deepEqual([(await waiting).code, (await waiting).stdout], [0, '137\n']);
        const st = await inspect('bg2');
        assert.deepEqual([st.State.Status, st.State.ExitCode], ['exited', 137]);
        assert.equal((await cli(['rm', 'bg2'])).code, 0);
        const gone = await cli(['rm', 'bg2']);
        assert.equal(gone.code, 1);
        assert.match(gone.stderr, /No such container: bg2/);
      });

      test('kill, restart, and the on-failure restart policy', async () => {
        const id = (
          await cli(['run', '-d', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1'])
        ).stdout.trim();
        for (let i = 0; i < 100; i++) {
          const s = await inspect(id);
          if (s.State.Status === 'exited' && s.RestartCount === 2) break;
          await sleep(100);
        }
        const s = await inspect(id);
        assert.deepEqual([s.State.Status, s.State.ExitCode, s.RestartCount], ['exited', 1, 2]);
        const long = (await cli(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
        const before = (await inspect(long)).State.Pid;
        assert.equal((await cli(['restart', '-t', '0', long])).code, 0);
        const after = await inspect(long);
        assert.equal(after.State.Status, 'running');
        assert.notEqual(after.State.Pid, before);
        assert.equal((await cli(['kill', long])).code, 0);
        assert.equal((await inspect(long)).State.ExitCode, 137);
        assert.equal((await cli(['rm', '-f', id, long])).code, 0);
      });
    },
  );
}

describe('berthd SIGKILLed with 20 running containers', { skip: skipUnlessRoot, timeout: 300_000 }, () => {
  let d: TestDaemon;
  after(async () => {
    if (d) assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
  });

  test('every container survives, is re-adopted, and its exit is recorded later', async () => {
    d = await startContainersDaemon();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await d.berth([
        'run',
        '-d',
        '--name',
        `c${i}`,
        'busybox',
        'sh',
        '-c',
        'while true; do echo alive; sleep 0.2; done',
      ]);
      assert.equal(r.code, 0, r.stderr);
      ids.push(r.stdout.trim());
    }
    const pids = new Map<string, number>();
    for (const id of ids)
      pids.set(id, ((await d.api('GET', `/containers/${id}/json`)).body as Inspected).State.Pid);
    await d.kill();
    for (const [id, pid] of pids)
      assert.doesNotThrow(() => process.kill(pid, 0), `container ${id} still runs`);
    const dir = d.dir;
    d = await startContainersDaemon({ dir });
    const ps = await d.berth(['ps', '-q', '--no-trunc']);
    assert.deepEqual(ps.stdout.trim().split('\n').sort(), [...ids].sort(), 'all 20 listed as running');
    for (const id of ids) {
      const s = (await d.api('GET', `/containers/${id}/json`)).body as Inspected;
      assert.deepEqual([s.State.Status, s.State.Pid], ['running', pids.get(id)]);
    }
    // The log goes on; a stop after the restart is recorded by the new daemon.
    const before = (await d.berth(['logs', 'c0'])).stdout.split('\n').length;
    await sleep(600);
    assert.ok((await d.berth(['logs', 'c0'])).stdout.split('\n').length > before, 'c0 still logs');
    assert.equal((await d.berth(['stop', '-t', '0', 'c0'])).code, 0);
    const c0 = (await d.api('GET', `/containers/${ids[0]}/json`)).body as Inspected;
    assert.deepEqual([c0.State.Status, c0.State.ExitCode], ['exited', 137]);
  });
});
