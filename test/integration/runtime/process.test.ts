// The process of config.json as the kernel sees it from inside the container (checked by testinit):
// ids, capabilities, no_new_privs, rlimits, umask, env, cwd, hostname, pid 1, oom_score_adj.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { Bundle, skipUnlessRoot, TestRuntime, uniqueId, type Result } from './harness.js';

describe('process', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  before(async () => {
    rt = new TestRuntime();
    bundle = await Bundle.create();
  });
  after(async () => {
    await rt.cleanup();
    bundle.remove();
  });

  /** Runs testinit `args` in a fresh container configured by `mutate`. */
  async function inside(args: string[], mutate?: (s: Spec) => void): Promise<Result> {
    const saved = JSON.stringify(bundle.spec);
    bundle.spec.process!.args = ['/bin/testinit', ...args];
    mutate?.(bundle.spec);
    bundle.write();
    Object.assign(bundle.spec, JSON.parse(saved));
    return rt.run(['run', '-b', bundle.dir, uniqueId('proc')]);
  }
  const json = <T>(r: Result): T => {
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  test('uid, gid, additional gids and umask', async () => {
    const ids = json<{ uid: number; gid: number; groups: number[]; umask: number }>(
      await inside(
        ['ids'],
        (s) => (s.process!.user = { uid: 1000, gid: 1001, additionalGids: [5, 20], umask: 0o077 }),
      ),
    );
    assert.equal(ids.uid, 1000);
    assert.equal(ids.gid, 1001);
    assert.deepEqual(
      [...ids.groups].sort((a, b) => a - b),
      [5, 20],
    );
    assert.equal(ids.umask, 0o077);
    assert.equal(json<{ umask: number }>(await inside(['ids'])).umask, 0o022);
  });

  test('all five capability sets and no_new_privs', async () => {
    const st = json<Record<string, string>>(await inside(['status']));
    // runc's starter set: AUDIT_WRITE(29), KILL(5), NET_BIND_SERVICE(10).
    const starter = ((1n << 29n) | (1n << 5n) | (1n << 10n)).toString(16).padStart(16, '0');
    assert.equal(st.CapBnd, starter);
    assert.equal(st.CapEff, starter);
    assert.equal(st.CapPrm, starter);
    // The starter spec asks for ambient capabilities but no inheritable ones; the kernel only raises an
    // ambient capability that is permitted and inheritable, so none is raised (as with runc).
    assert.equal(st.CapAmb, '0000000000000000');
    assert.equal(st.CapInh, '0000000000000000');
    assert.equal(String(st.NoNewPrivs), '1');
    const none = json<Record<string, string>>(
      await inside(['status'], (s) => {
        s.process!.capabilities = {
          bounding: ['CAP_CHOWN'],
          inheritable: ['CAP_CHOWN'],
          permitted: ['CAP_CHOWN'],
          ambient: ['CAP_CHOWN'],
        };
        s.process!.noNewPrivileges = false;
      }),
    );
    assert.equal(none.CapBnd, '0000000000000001');
    assert.equal(none.CapInh, '0000000000000001');
    // Ambient capabilities become effective at execve even though `effective` is empty.
    assert.equal(none.CapAmb, '0000000000000001');
    assert.equal(none.CapEff, '0000000000000001');
    assert.equal(String(none.NoNewPrivs), '0');
  });

  test('the process is pid 1 of its pid namespace', async () => {
    const st = json<{ pid: number; ppid: number }>(await inside(['status']));
    assert.equal(st.pid, 1);
    assert.equal(st.ppid, 0);
  });

  test('rlimits', async () => {
    const rl = json<Record<string, { soft: number; hard: number }>>(
      await inside(
        ['rlimits'],
        (s) =>
          (s.process!.rlimits = [
            { type: 'RLIMIT_NOFILE', soft: 512, hard: 1000 },
            { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
          ]),
      ),
    );
    assert.deepEqual(rl.RLIMIT_NOFILE, { soft: 512, hard: 1000 });
    assert.deepEqual(rl.RLIMIT_CORE, { soft: 0, hard: 0 });
  });

  test('env and cwd (created when missing)', async () => {
    const env = json<string[]>(await inside(['env'], (s) => (s.process!.env = ['A=1', 'PATH=/bin'])));
    assert.deepEqual(env, ['A=1', 'PATH=/bin']);
    const cwd = await inside(['cwd'], (s) => (s.process!.cwd = '/work/here'));
    assert.equal(cwd.code, 0, cwd.stderr);
    assert.equal(cwd.stdout.trim(), '/work/here');
  });

  test('hostname and domainname', async () => {
    const h = json<{ hostname: string; domainname: string }>(
      await inside(['hostname'], (s) => {
        s.hostname = 'berth-test';
        s.domainname = 'example.test';
      }),
    );
    assert.deepEqual(h, { hostname: 'berth-test', domainname: 'example.test' });
  });

  test('oomScoreAdj: raised as asked; lowering below ours fails clearly', async () => {
    const r = await inside(['oom'], (s) => (s.process!.oomScoreAdj = 500));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '500');
    const low = await inside(['oom'], (s) => (s.process!.oomScoreAdj = -1000));
    assert.equal(low.code, 1);
    assert.match(low.stderr, /^runtime: .*oom_score_adj.*-1000.*: Permission denied\n$/);
  });

  test('a missing program fails create and leaves nothing', async () => {
    bundle.spec.process!.args = ['nope-not-here'];
    bundle.write();
    const id = uniqueId('missing');
    const r = await rt.runDetached(['create', '-b', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'runtime: exec: "nope-not-here": executable file not found in $PATH\n');
    assert.equal((await rt.run(['list', '-q'])).stdout.includes(id), false);
  });
});
