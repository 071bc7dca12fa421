// OCI hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): each kind runs at its point, in
// its namespaces, with its state on stdin, its args, env and timeout; failures fail the operation (or
// warn, for poststop) and leave nothing behind. A recorder script logs what each hook saw.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Hook, Hooks } from '../../../src/oci/runtime-spec.js';
import { containerPids, startHolder } from './exec-helpers.js';
import { Bundle, cgroupLeft, skipUnlessRoot, TestRuntime, uniqueId } from './harness.js';

/** What one hook saw, as the recorder logs it. */
interface Seen {
  args: string;
  ns: Record<string, string>;
  cwd: string;
  env: string;
  state: {
    ociVersion: string;
    id: string;
    status: string;
    pid: number;
    bundle: string;
    annotations: Record<string, string>;
  };
}

// `recorder LOG args...`: one line per run: args | mnt net pid ns | cwd | env (sorted, without what the shell
// adds) | stdin. Runs under the host's /bin/sh and busybox's alike.
const RECORDER = `#!/bin/sh
log=$1; shift
{ printf '%s|' "$*"
  for n in mnt net pid; do printf '%s|' "$(readlink /proc/self/ns/$n)"; done
  printf '%s|' "$(pwd)"
  printf '%s|' "$(env | grep -v -e '^PWD=' -e '^SHLVL=' -e '^_=' -e '^OLDPWD=' | sort | tr '\\n' ' ')"
  cat; echo; } >> "$log"
`;

function parseLog(path: string): Seen[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [args, mnt, net, pid, cwd, env, ...state] = line.split('|');
      return {
        args: args!,
        ns: { mnt: mnt!, net: net!, pid: pid! },
        cwd: cwd!,
        env: env!,
        state: JSON.parse(state.join('|')) as Seen['state'],
      };
    });
}

describe('hooks', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  before(() => {
    rt = new TestRuntime();
  });
  after(async () => {
    await rt.cleanup();
  });

  /** A bundle whose rootfs and bundle dir hold the recorder; hooks log to <bundle>/log (host side). */
  async function hookBundle(
    args: string[],
  ): Promise<{ b: Bundle; log: string; recorder: string; hook(kind: string, more?: Partial<Hook>): Hook }> {
    const b = await Bundle.create(args);
    const recorder = join(b.dir, 'recorder.sh');
    writeFileSync(recorder, RECORDER);
    chmodSync(recorder, 0o755);
    writeFileSync(join(b.rootfs, 'recorder.sh'), RECORDER);
    chmodSync(join(b.rootfs, 'recorder.sh'), 0o755);
    const log = join(b.dir, 'log');
    const hook = (kind: string, more: Partial<Hook> = {}): Hook => ({
      path: recorder,
      args: ['recorder.sh', log, kind, 'arg two'],
      env: ['HOOK_ENV=1', `KIND=${kind}`, 'PATH=/bin:/usr/bin'],
      timeout: 10,
      ...more,
    });
    return { b, log, recorder, hook };
  }

  const host = (n: string): string => readlinkSync(`/proc/self/ns/${n}`);

  test('each kind runs in order, in its namespaces, with its state, args, env and cwd', async () => {
    const { b, log, hook } = await hookBundle(['/bin/testinit', 'print', 'program']);
    const id = uniqueId('hooks');
    try {
      b.spec.annotations = { 'org.example': 'yes' };
      b.spec.hooks = {
        prestart: [hook('prestart')],
        createRuntime: [hook('createRuntime')],
        createContainer: [hook('createContainer')],
        // Resolved in the container, after pivot_root: the copy in the rootfs, logging inside it.
        startContainer: [
          hook('startContainer', {
            path: '/recorder.sh',
            args: ['recorder.sh', '/hooks.log', 'startContainer', 'arg two'],
          }),
        ],
        poststart: [hook('poststart')],
        poststop: [hook('poststop')],
      };
      b.write();
      const r = await rt.run(['run', '-b', b.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'program\n');
      const seen = parseLog(log);
      assert.deepEqual(
        seen.map((s) => s.args),
        ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop'].map((k) => `${k} arg two`),
      );
      const [inside] = parseLog(join(b.rootfs, 'hooks.log'));
      assert.ok(inside, 'the startContainer hook ran');
      assert.equal(inside.args, 'startContainer arg two');
      const byKind = Object.fromEntries([...seen, inside].map((s) => [s.args.split(' ')[0]!, s]));
      const pid = byKind.prestart!.state.pid;
      assert.ok(pid > 0);
      for (const [kind, s] of Object.entries(byKind)) {
        const status = {
          prestart: 'creating',
          createRuntime: 'creating',
          createContainer: 'creating',
          startContainer: 'created',
          poststart: 'running',
          poststop: 'stopped',
        }[kind];
        assert.deepEqual(
          s.state,
          { ociVersion: '1.2.0', id, status, pid, bundle: b.dir, annotations: { 'org.example': 'yes' } },
          kind,
        );
        assert.equal(s.env, `HOOK_ENV=1 KIND=${kind} PATH=/bin:/usr/bin `, `${kind}: exactly its env`);
        const inContainer = kind === 'createContainer' || kind === 'startContainer';
        for (const n of ['mnt', 'net', 'pid']) {
          if (inContainer) assert.notEqual(s.ns[n], host(n), `${kind}: ${n} namespace`);
          else assert.equal(s.ns[n], host(n), `${kind}: ${n} namespace`);
        }
      }
      assert.equal(byKind.createContainer!.ns.mnt, byKind.startContainer!.ns.mnt);
      // Runtime-namespace hooks start in the bundle; createContainer before pivot_root, in the rootfs as the
      // host names it; startContainer in the process's cwd.
      assert.equal(byKind.prestart!.cwd, b.dir);
      assert.equal(byKind.poststop!.cwd, b.dir);
      assert.equal(byKind.createContainer!.cwd, b.rootfs);
      assert.equal(byKind.startContainer!.cwd, '/');
    } finally {
      b.remove();
    }
  });

  test("runtime-namespace hooks stay in the runtime's namespaces when the container joins others", async () => {
    const holder = await Bundle.create();
    const holderId = uniqueId('hookns');
    const { b, log, hook } = await hookBundle(['/bin/true']);
    try {
      const holderPid = await startHolder(rt, holder, holderId);
      b.spec.linux!.namespaces = b.spec.linux!.namespaces!.map((n) =>
        n.type === 'network' ? { type: 'network', path: `/proc/${holderPid}/ns/net` } : n,
      );
      b.spec.hooks = { createRuntime: [hook('createRuntime')], createContainer: [hook('createContainer')] };
      b.write();
      const r = await rt.run(['run', '-b', b.dir, uniqueId('hookjoin')]);
      assert.equal(r.code, 0, r.stderr);
      const [runtimeHook, containerHook] = parseLog(log);
      assert.equal(runtimeHook!.ns.net, host('net'));
      assert.equal(containerHook!.ns.net, readlinkSync(`/proc/${holderPid}/ns/net`));
    } finally {
      await rt.run(['delete', '--force', holderId]);
      holder.remove();
      b.remove();
    }
  });

  const failing = (code: number, out = 'bad'): Hook => ({
    path: '/bin/sh',
    args: ['sh', '-c', `echo ${out}; exit ${code}`],
  });

  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    test(`a failing ${kind} hook fails create, leaves nothing, and the poststop hooks run`, async () => {
      const { b, log, hook } = await hookBundle(['/bin/true']);
      const id = uniqueId('hookfail');
      try {
        b.spec.linux!.cgroupsPath = `/berth-test/${id}`;
        b.spec.hooks = { [kind]: [failing(3)], poststop: [hook('poststop')] } as Hooks;
        b.write();
        const r = await rt.run(['create', '-b', b.dir, id]);
        assert.equal(r.stderr, `runtime: ${kind} hook #0 "/bin/sh": exited with status 3: bad\n`);
        assert.equal(r.code, 1);
        assert.equal((await rt.run(['state', id])).code, 1, 'no container left');
        assert.equal(cgroupLeft(`berth-test/${id}`), undefined, 'no cgroup left');
        assert.deepEqual(
          parseLog(log).map((s) => [s.args.split(' ')[0], s.state.status]),
          [['poststop', 'stopped']],
        );
      } finally {
        b.remove();
      }
    });
  }

  test('a hook past its timeout is killed, and the error names it', async () => {
    const b = await Bundle.create(['/bin/true']);
    const id = uniqueId('hooktime');
    const pidFile = join(b.dir, 'hook.pid');
    try {
      b.spec.hooks = {
        createRuntime: [
          { path: '/bin/sh', args: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`], timeout: 1 },
        ],
      };
      b.write();
      const r = await rt.run(['create', '-b', b.dir, id]);
      assert.equal(r.stderr, 'runtime: createRuntime hook #0 "/bin/sh": timed out after 1 s (killed)\n');
      assert.equal(r.code, 1);
      assert.equal(existsSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}`), false, 'the hook is gone');
      assert.equal((await rt.run(['state', id])).code, 1);
    } finally {
      b.remove();
    }
  });

  test('a hook that cannot be run fails with the reason', async () => {
    const b = await Bundle.create(['/bin/true']);
    try {
      b.spec.hooks = { prestart: [{ path: '/nonexistent/hook' }] };
      b.write();
      const r = await rt.run(['run', '-b', b.dir, uniqueId('hooknone')]);
      assert.equal(
        r.stderr,
        'runtime: prestart hook #0 "/nonexistent/hook": exited with status 127: exec: No such file or directory\n',
      );
      assert.equal(r.code, 1);
    } finally {
      b.remove();
    }
  });

  test('a failing startContainer hook fails start: the program never runs, the container stops', async () => {
    const { b, log, hook } = await hookBundle(['/bin/testinit', 'write', '/ran', 'yes']);
    const id = uniqueId('hookstart');
    try {
      b.spec.hooks = {
        startContainer: [failing(4, 'nope')],
        poststart: [hook('poststart')],
        poststop: [hook('poststop')],
      };
      b.write();
      assert.equal((await rt.runDetached(['create', '-b', b.dir, id])).code, 0);
      const r = await rt.run(['start', id]);
      assert.equal(r.stderr, 'runtime: startContainer hook #0 "/bin/sh": exited with status 4: nope\n');
      assert.equal(r.code, 1);
      assert.equal((await rt.state(id)).status, 'stopped');
      assert.equal(existsSync(join(b.rootfs, 'ran')), false, 'the program did not run');
      assert.equal((await rt.run(['delete', id])).code, 0);
      assert.deepEqual(
        parseLog(log).map((s) => s.args.split(' ')[0]),
        ['poststop'],
      );
    } finally {
      b.remove();
    }
  });

  test('a failing poststart hook fails start and stops the container', async () => {
    const b = await Bundle.create(['/bin/testinit', 'sleep', '60']);
    const id = uniqueId('hookpost');
    try {
      b.spec.linux!.cgroupsPath = `/berth-test/${id}`;
      b.spec.hooks = { poststart: [failing(5)] };
      b.write();
      assert.equal((await rt.runDetached(['create', '-b', b.dir, id])).code, 0);
      const r = await rt.runDetached(['start', id]);
      assert.equal(r.stderr, 'runtime: poststart hook #0 "/bin/sh": exited with status 5: bad\n');
      assert.equal(r.code, 1);
      for (let i = 0; i < 250 && containerPids(id).length > 0; i++)
        await new Promise((res) => setTimeout(res, 20));
      assert.equal((await rt.state(id)).status, 'stopped');
      assert.equal((await rt.run(['delete', id])).code, 0);
    } finally {
      b.remove();
    }
  });

  test('a failing poststop hook is a warning: the next ones run and delete succeeds', async () => {
    const { b, log, hook } = await hookBundle(['/bin/true']);
    const id = uniqueId('hookstop');
    try {
      b.spec.hooks = { poststop: [failing(6), hook('poststop')] };
      b.write();
      const r = await rt.run(['run', '-b', b.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'runtime: warning: poststop hook #0 "/bin/sh": exited with status 6: bad\n');
      assert.deepEqual(
        parseLog(log).map((s) => s.args.split(' ')[0]),
        ['poststop'],
      );
      assert.equal((await rt.run(['state', id])).code, 1, 'deleted');
    } finally {
      b.remove();
    }
  });
});
