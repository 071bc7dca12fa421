// The real docker CLI and `berth` against berthd, part two: terminals (run -it and exec -it through a
// pty the test drives, detach keys), logs -f, inspect --format, docker cp both ways, stats, update, diff,
// health checks, events, and restart policies applied by a berthd started again after a crash.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipUnlessRoot } from '../integration/runtime/harness.js';
import { BERTH, type TestDaemon } from '../integration/daemon/harness.js';
import {
  cleanupDaemon,
  PtySession,
  startContainersDaemon,
  type Inspected,
} from '../integration/containers/harness.js';

const CLIENTS = [
  { name: 'docker', skip: existsSync('/usr/local/bin/docker') ? false : 'the docker CLI is not installed' },
  { name: 'berth', skip: false },
] as const;

/** Polls `probe` every 100 ms for up to 20 s until it holds. */
async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const client of CLIENTS) {
  describe(
    `${client.name} CLI against berthd: terminals and tools`,
    { skip: skipUnlessRoot || client.skip, timeout: 240_000 },
    () => {
      let d: TestDaemon;
      let tmp: string;
      const cli = (args: string[]) => (client.name === 'docker' ? d.docker(args) : d.berth(args));
      const pty = (args: string[]) =>
        new PtySession(client.name === 'docker' ? 'docker' : BERTH, ['-H', d.host, ...args]);
      const inspect = async (ref: string): Promise<Inspected> =>
        (JSON.parse((await cli(['inspect', ref])).stdout) as Inspected[])[0]!;
      before(async () => {
        d = await startContainersDaemon();
        tmp = mkdtempSync(join(tmpdir(), 'berth-cp-'));
      });
      after(async () => {
        rmSync(tmp, { recursive: true, force: true });
        assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
      });

      test('run -it and exec -it on a terminal; ctrl-p ctrl-q detaches and the container runs on', async () => {
        const once = pty(['run', '-it', '--rm', 'busybox', 'sh']);
        once.type('tty; echo in-$((6*7))\n');
        await once.expect(/in-42/);
        assert.match(once.output(), /\/dev\/pts\/0/, 'the shell has a terminal');
        once.type('exit 3\n');
        assert.equal(await once.close(), 3);

        const held = pty(['run', '-it', '--name', 'term', 'busybox', 'sh']);
        held.type('echo ready-$((1+1))\n');
        await held.expect(/ready-2/);
        held.type('\x10\x11');
        assert.equal(await held.close(), 0, held.output());
        assert.equal((await inspect('term')).State.Status, 'running', 'a detach leaves it running');
        const ex = pty(['exec', '-it', 'term', 'sh']);
        ex.type('echo ex-$((2+3)) $(tty)\n');
        await ex.expect(/ex-5 \/dev\/pts\/\d+/);
        ex.type('exit 5\n');
        assert.equal(await ex.close(), 5);
        assert.equal((await cli(['rm', '-f', 'term'])).code, 0);
      });

      test('logs -f follows to the exit; --tail, -t; inspect --format', async () => {
        const run = await cli([
          'run',
          '-d',
          '--name',
          'follow',
          'busybox',
          'sh',
          '-c',
          'for i in 1 2 3; do echo line-$i; sleep 0.3; done',
        ]);
        assert.equal(run.code, 0, run.stderr);
        const followed = await cli(['logs', '-f', 'follow']);
        assert.deepEqual([followed.code, followed.stdout], [0, 'line-1\nline-2\nline-3\n'], followed.stderr);
        assert.equal((await cli(['logs', '--tail', '1', 'follow'])).stdout, 'line-3\n');
        const stamped = await cli(['logs', '-t', '--tail', '2', 'follow']);
        assert.match(stamped.stdout, /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line-[23]\n){2}$/);
        const fmt = await cli([
          'inspect',
          '--format',
          '{{.State.Status}} {{.State.ExitCode}} {{.Name}}',
          'follow',
        ]);
        assert.equal(fmt.stdout, 'exited 0 /follow\n');
        assert.equal((await cli(['rm', 'follow'])).code, 0);
      });

      test('cp both ways, stats --no-stream, update', async () => {
        assert.equal((await cli(['run', '-d', '--name', 'tools', 'busybox', 'sleep', '1000'])).code, 0);
        writeFileSync(join(tmp, 'in.txt'), 'from host\n');
        const into = await cli(['cp', join(tmp, 'in.txt'), 'tools:/tmp/in.txt']);
        assert.equal(into.code, 0, into.stderr);
        assert.equal((await cli(['exec', 'tools', 'cat', '/tmp/in.txt'])).stdout, 'from host\n');
        await cli(['exec', 'tools', 'sh', '-c', 'mkdir /tmp/d && echo deep > /tmp/d/f']);
        const out = await cli(['cp', 'tools:/tmp/d', join(tmp, 'out')]);
        assert.equal(out.code, 0, out.stderr);
        assert.equal(readFileSync(join(tmp, 'out', 'f'), 'utf8'), 'deep\n');
        const missing = await cli(['cp', 'tools:/no/such', join(tmp, 'x')]);
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /\/no\/such/);
        assert.equal(existsSync(join(tmp, 'x')), false);

        const stats = await cli(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'tools']);
        assert.deepEqual([stats.code, stats.stdout], [0, 'tools 1\n'], stats.stderr);
        const upd = await cli(['update', '--memory', '64m', '--pids-limit', '50', 'tools']);
        assert.deepEqual([upd.code, upd.stdout], [0, 'tools\n'], upd.stderr);
        const hc = (await inspect('tools')).HostConfig;
        assert.deepEqual([hc.Memory, hc.PidsLimit], [64 * 1024 * 1024, 50]);
        // The limit stats reads comes from the container's cgroup: the update reached it.
        const mem = await cli(['stats', '--no-stream', '--format', '{{.MemUsage}}', 'tools']);
        assert.match(mem.stdout, / \/ 64MiB\n$/);
        const bad = await cli(['update', '--restart', 'sometimes', 'tools']);
        assert.notEqual(bad.code, 0);
        // docker sends it and berthd refuses it (validateRestartPolicy); berth refuses it itself.
        assert.match(bad.stderr, /invalid restart policy.*sometimes/);
        assert.equal((await cli(['rm', '-f', 'tools'])).code, 0);
      });

      test('diff lists what a container changed; ps -s and inspect -s its sizes', async () => {
        const fresh = await cli(['create', '--name', 'untouched', 'busybox', 'true']);
        assert.equal(fresh.code, 0, fresh.stderr);
        assert.deepEqual(await cli(['diff', 'untouched']), { code: 0, stdout: '', stderr: '' });
        const script =
          'echo hi > /f; mkdir -p /new/deep; echo x > /new/deep/y; rm /bin/ls; echo ready; sleep 1000';
        assert.equal((await cli(['run', '-d', '--name', 'changer', 'busybox', 'sh', '-c', script])).code, 0);
        await until('the changes', async () => (await cli(['logs', 'changer'])).stdout.includes('ready'));
        const diff = await cli(['diff', 'changer']);
        assert.equal(diff.code, 0, diff.stderr);
        // /etc/hosts and the other mount points of the runtime are not the container's changes.
        assert.equal(diff.stdout, 'C /bin\nD /bin/ls\nA /f\nA /new\nA /new/deep\nA /new/deep/y\n');
        const ps = await cli(['ps', '-s', '--filter', 'name=changer', '--format', '{{.Size}}']);
        assert.match(ps.stdout, /^5B \(virtual \d+(\.\d+)?[kM]B\)\n$/);
        const sizes = await cli(['inspect', '-s', '-f', '{{.SizeRw}} {{.SizeRootFs}}', 'changer']);
        const [rw, rootfs] = sizes.stdout.trim().split(' ').map(Number);
        assert.equal(rw, 5, 'hi and x with their newlines');
        assert.ok(rootfs! > 1_000_000, `the image's layers too: ${sizes.stdout}`);
        const missing = await cli(['diff', 'no-such-container']);
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /no-such-container/);
        assert.equal((await cli(['rm', '-f', 'changer', 'untouched'])).code, 0);
      });

      test('health checks go starting → unhealthy → healthy, seen in inspect, ps and events', async () => {
        const since = (Date.now() / 1000 - 1).toFixed(3);
        const run = await cli([
          'run',
          '-d',
          '--name',
          'hc',
          '--health-cmd',
          'test -e /tmp/ok',
          '--health-interval',
          '200ms',
          '--health-retries',
          '2',
          'busybox',
          'sleep',
          '1000',
        ]);
        assert.equal(run.code, 0, run.stderr);
        const id = run.stdout.trim();
        await until('unhealthy', async () => (await inspect('hc')).State.Health?.Status === 'unhealthy');
        const sick = (await inspect('hc')).State.Health!;
        assert.ok(sick.FailingStreak >= 2, `FailingStreak ${sick.FailingStreak}`);
        assert.equal(sick.Log.at(-1)!.ExitCode, 1);
        await cli(['exec', 'hc', 'touch', '/tmp/ok']);
        await until('healthy', async () => (await inspect('hc')).State.Health?.Status === 'healthy');
        assert.equal((await inspect('hc')).State.Health!.FailingStreak, 0);
        const ps = await cli(['ps', '--filter', 'health=healthy', '--format', '{{.ID}} {{.Status}}']);
        assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)} Up .* \\(healthy\\)\\n$`));
        assert.equal((await cli(['rm', '-f', 'hc'])).code, 0);
        const untilTs = (Date.now() / 1000 + 0.5).toFixed(3);
        const ev = await cli([
          'events',
          '--since',
          since,
          '--until',
          untilTs,
          '--filter',
          'container=hc',
          '--format',
          '{{.Action}}|{{.Status}}|{{.ID}}|{{.Type}}',
        ]);
        assert.equal(ev.code, 0, ev.stderr);
        const lines = ev.stdout.trim().split('\n');
        // docker's template fields: .Status and .ID are the message's status and id (JSON status, id).
        for (const l of lines) assert.equal(l, `${l.split('|')[0]}|${l.split('|')[0]}|${id}|container`);
        const actions = lines.map((l) => l.split('|')[0]!);
        const wanted = [
          'create',
          'start',
          'health_status: unhealthy',
          'health_status: healthy',
          'die',
          'destroy',
        ];
        let at = -1;
        for (const w of wanted) {
          const next = actions.indexOf(w, at + 1);
          assert.ok(
            next > at,
            `${w} after ${wanted.slice(0, wanted.indexOf(w)).join(', ')} in ${JSON.stringify(actions)}`,
          );
          at = next;
        }
      });
    },
  );
}

describe(
  'restart policies when a crashed berthd starts again',
  { skip: skipUnlessRoot, timeout: 120_000 },
  () => {
    let d: TestDaemon | undefined;
    after(async () => {
      if (d) assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
    });

    test('always and unless-stopped come back; no and a stopped unless-stopped stay exited', async () => {
      d = await startContainersDaemon();
      const run = async (name: string, policy: string): Promise<void> => {
        const r = await d!.berth([
          'run',
          '-d',
          '--name',
          name,
          '--restart',
          policy,
          'busybox',
          'sleep',
          '1000',
        ]);
        assert.equal(r.code, 0, r.stderr);
      };
      await run('always', 'always');
      await run('unless', 'unless-stopped');
      await run('never', 'no');
      await run('stopped', 'unless-stopped');
      assert.equal((await d.berth(['stop', '-t', '0', 'stopped'])).code, 0);
      const pids = new Map<string, number>();
      for (const n of ['always', 'unless', 'never'])
        pids.set(n, ((await d.api('GET', `/containers/${n}/json`)).body as Inspected).State.Pid);
      await d.kill();
      // While no daemon runs, the containers die: the new daemon finds their exits in the shims.
      for (const pid of pids.values()) process.kill(pid, 'SIGKILL');
      d = await startContainersDaemon({ dir: d.dir });
      const state = async (n: string): Promise<Inspected> =>
        (await d!.api('GET', `/containers/${n}/json`)).body as Inspected;
      await until(
        'always and unless-stopped running again',
        async () =>
          (await state('always')).State.Status === 'running' &&
          (await state('unless')).State.Status === 'running',
      );
      for (const n of ['always', 'unless']) {
        const s = await state(n);
        assert.notEqual(s.State.Pid, pids.get(n), `${n} runs a new process`);
        assert.equal(s.RestartCount, 1);
      }
      const never = await state('never');
      assert.deepEqual([never.State.Status, never.State.ExitCode], ['exited', 137]);
      assert.equal((await state('stopped')).State.Status, 'exited', 'stopped by the user: not restarted');
    });
  },
);
