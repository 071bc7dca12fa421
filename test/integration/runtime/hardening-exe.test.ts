// CVE-2019-5736 and CVE-2016-9962 from inside: a container that shares its pid namespace with another
// one (as pods and `exec` do) sees the other's berth-init process while it is set up, and any process
// the runtime runs for it. It must not be able to write berth-init through /proc/<pid>/exe, nor reach a
// host file, directory or mount through /proc/<pid>/{fd,cwd,root}. The attacker is testinit proc-attack
// (native/testinit/attack.c) with the starter spec's capabilities, as root; berth-init runs from a copy
// (BERTH_INIT) so that a regression could only spoil that copy.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initPath } from '../../../src/runtime/init-process.js';
import {
  Attacker,
  digestOf,
  FullPipe,
  innermostPid,
  unlessRuntimeHas,
  until,
  type WriteAttempt,
} from './hardening-attacker.js';
import { Bundle, RUNTIME, runtimeEnv, skipUnlessRoot, TestRuntime, uniqueId } from './harness.js';

describe('hardening: berth-init cannot be reached from a container', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let dir: string;
  let init: string;
  let initDigest: string;
  const bundles: Bundle[] = [];
  before(() => {
    rt = new TestRuntime();
    dir = mkdtempSync(join(tmpdir(), 'berth-harden-exe-'));
    init = join(dir, 'berth-init');
    copyFileSync(initPath(), init);
    chmodSync(init, 0o755);
    initDigest = digestOf(init);
    process.env.BERTH_INIT = init; // the runtime's environment is this process's (harness runtimeEnv)
  });
  after(async () => {
    await rt.cleanup();
    for (const b of bundles) b.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  async function bundle(args: string[]): Promise<Bundle> {
    const b = await Bundle.create(args);
    bundles.push(b);
    return b;
  }

  /** A victim bundle whose process joins the attacker's pid namespace. */
  async function victimOf(attacker: Attacker, args: string[]): Promise<Bundle> {
    const { pid } = await rt.state(attacker.id);
    const b = await bundle(args);
    b.spec.linux!.namespaces = b.spec.linux!.namespaces!.map((n) =>
      n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n,
    );
    return b.write();
  }

  /** `create` with the container's stderr (which is the runtime's) going to `stderr`. */
  function createWithStderr(b: Bundle, id: string, stderr: FullPipe): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(RUNTIME, ['--root', rt.root, 'create', '-b', b.dir, id], {
        env: runtimeEnv(),
        stdio: ['ignore', 'ignore', stderr.writer],
      });
      // A failing create writes its error into the full pipe and blocks there: say what it was.
      const timer = setTimeout(() => reject(new Error(`create blocked: ${stderr.drain()}`)), 20_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? 1);
      });
    });
  }

  test('while a container is set up, a container sharing its pid namespace cannot open its fds, cwd, root or exe', async () => {
    const attacker = await Attacker.start(rt, await bundle([]), uniqueId('attacker'));
    const id = uniqueId('victim');
    try {
      const victim = await victimOf(attacker, ['/bin/testinit', 'sleep', '30']);
      const created = await rt.runDetached(['create', '-b', victim.dir, id]);
      assert.equal(created.code, 0, created.stderr);
      const { pid } = await rt.state(id);
      // berth-init waits on the exec fifo now, after CREDS: the attacker's uid and capabilities. It holds
      // an fd of the host's state directory; without PR_SET_DUMPABLE 0 the kernel would hand it over.
      const during = await attacker.grab(innermostPid(pid));
      assert.equal(during.exe.errno, 'EACCES', JSON.stringify(during));
      assert.equal(during.cwd.errno, 'EACCES', JSON.stringify(during));
      assert.equal(during.root.errno, 'EACCES', JSON.stringify(during));
      if (Array.isArray(during.fds)) {
        assert.deepEqual(during.fds, [], 'no fd of berth-init opens');
        assert.equal(during.fdsErrno, 'EACCES', JSON.stringify(during));
      } else {
        assert.equal(during.fds.errno, 'EACCES');
      }

      // The same attacker does reach the container's own program once it runs (dumpable again after
      // execve): the probe works, and what it reaches is the container's file, not the host's.
      assert.equal((await rt.run(['start', id])).code, 0);
      await until('the victim to run testinit', () =>
        cmdlineOf(pid).startsWith('/bin/testinit\0') ? true : undefined,
      );
      const afterExec = await attacker.grab(innermostPid(pid));
      const inRootfs = statSync(join(victim.rootfs, 'bin', 'testinit'));
      assert.equal(afterExec.exe.ino, inRootfs.ino, JSON.stringify(afterExec));
    } finally {
      await rt.run(['delete', '--force', id]);
      await attacker.stop();
    }
  });

  test('"#!/proc/self/exe" makes the container run a sealed copy: holding its exe, the container cannot write berth-init', async () => {
    const attacker = await Attacker.start(rt, await bundle([]), uniqueId('attacker'));
    const pipe = new FullPipe(dir);
    const id = uniqueId('victim');
    try {
      // The CVE's entry point: the program the runtime executes names the runtime itself as interpreter.
      const victim = await victimOf(attacker, ['/evil']);
      writeFileSync(join(victim.rootfs, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
      assert.equal(await createWithStderr(victim, id, pipe), 0);
      const { pid } = await rt.state(id);
      assert.equal((await rt.run(['start', id])).code, 0);
      // berth-init now runs as the container's program, printing its usage into a full pipe: it stays
      // there, dumpable (execve made it so), for as long as the attacker needs.
      await until('berth-init to run as "/evil"', () =>
        cmdlineOf(pid).startsWith('/proc/self/exe\0/evil') ? true : undefined,
      );
      const grabbed = await attacker.grab(innermostPid(pid));
      assert.ok(grabbed.exe.target !== undefined, `the attacker holds the exe: ${JSON.stringify(grabbed)}`);

      // The exploit waits for the runtime's process to end (ETXTBSY until then), then writes.
      await until('berth-init to print its usage', () =>
        /berth-init: the first argument must be/.test(pipe.drain()) ? true : undefined,
      );
      await until('the victim to end', () => (cmdlineOf(pid) === '' ? true : undefined));
      const wrote = await attacker.ask<WriteAttempt>('write');

      assert.equal(digestOf(init), initDigest, 'berth-init on the host is unchanged');
      assert.notEqual(wrote.write, 'ok', JSON.stringify(wrote));
      assert.match(grabbed.exe.target, /^\/memfd:berth-init/, JSON.stringify(wrote));
      assert.notEqual(grabbed.exe.ino, statSync(init).ino);
    } finally {
      pipe.drain();
      await rt.run(['delete', '--force', id]);
      await attacker.stop();
      pipe.close();
    }
  });

  test("a container in the host's pid namespace cannot open the exe of the runtime's own processes", async () => {
    // Without a pid namespace the container sees every process of the host, among them `berth-runtime
    // run` (Node: /usr/bin/node) and berth-init staying as the parent of the container it runs. Both are
    // host root with every capability, which the kernel does not let a container's capabilities reach.
    const a = await bundle([]);
    a.spec.linux!.namespaces = a.spec.linux!.namespaces!.filter((n) => n.type !== 'pid');
    const attacker = await Attacker.start(rt, a, uniqueId('attacker'));
    const victim = await bundle(['/bin/testinit', 'sleep', '30']);
    victim.write();
    const id = uniqueId('victim');
    const node = spawn(RUNTIME, ['--root', rt.root, 'run', '-b', victim.dir, id], {
      env: runtimeEnv(),
      stdio: 'ignore',
    });
    try {
      const program = await until('the victim to run', async () => {
        const r = await rt.run(['state', id]);
        const pid = r.code === 0 ? (JSON.parse(r.stdout) as { pid: number }).pid : 0;
        return pid > 0 && cmdlineOf(pid).startsWith('/bin/testinit\0') ? pid : undefined;
      });
      const init = parentOf(program);
      assert.equal(parentOf(init), node.pid, 'berth-init is the child of berth-runtime run');
      for (const pid of [node.pid!, init]) {
        const g = await attacker.grab(pid);
        assert.equal(g.exe.errno, 'EACCES', `pid ${pid}: ${JSON.stringify(g)}`);
        assert.ok(!Array.isArray(g.fds) || g.fds.length === 0, `pid ${pid}: ${JSON.stringify(g)}`);
      }
      // The container's own program, with the attacker's capabilities, is within reach: the probe works.
      const own = await attacker.grab(program);
      assert.equal(own.exe.ino, statSync(join(victim.rootfs, 'bin', 'testinit')).ino, JSON.stringify(own));
    } finally {
      node.kill('SIGTERM'); // berth-runtime run forwards it; the container ends and it exits
      await new Promise((resolve) => (node.exitCode === null ? node.on('exit', resolve) : resolve(null)));
      await rt.run(['delete', '--force', id]);
      await attacker.stop();
    }
  });

  test(
    '`exec` of "#!/proc/self/exe" runs the sealed copy too',
    { skip: unlessRuntimeHas('exec') },
    async () => {
      const b = await bundle([]);
      writeFileSync(join(b.rootfs, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
      const attacker = await Attacker.start(rt, b, uniqueId('attacker'));
      const pipe = new FullPipe(dir);
      const pidFile = join(dir, 'exec.pid');
      try {
        // runc's exec flags: -d detaches, --pid-file names the process (runc-exec(8)).
        spawn(RUNTIME, ['--root', rt.root, 'exec', '-d', '--pid-file', pidFile, attacker.id, '/evil'], {
          env: runtimeEnv(),
          stdio: ['ignore', 'ignore', pipe.writer],
        });
        const pid = await until('the exec pid file', () => {
          const text = existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : '';
          return /^\d+$/.test(text) ? Number(text) : undefined;
        });
        await until('the exec process to run "/evil"', () =>
          cmdlineOf(pid).startsWith('/proc/self/exe\0/evil') ? true : undefined,
        );
        const grabbed = await attacker.grab(innermostPid(pid));
        pipe.drain();
        await until('the exec process to end', () => (cmdlineOf(pid) === '' ? true : undefined));
        const wrote = await attacker.ask<WriteAttempt>('write');
        assert.equal(digestOf(init), initDigest, 'berth-init on the host is unchanged');
        assert.notEqual(wrote.write, 'ok', JSON.stringify(wrote));
        assert.match(grabbed.exe.target ?? '', /^\/memfd:berth-init/, JSON.stringify(grabbed));
      } finally {
        pipe.drain();
        await attacker.stop();
        pipe.close();
      }
    },
  );
});

/** /proc/<pid>/cmdline, or '' once the process has exited (a zombie's is empty too). */
function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The parent pid of `pid` (proc(5) stat, field 4). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
