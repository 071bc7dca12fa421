// Containers through the shim manager and berth-shim with every runtime (built-in berth-init,
// berth-runtime, runc, crun): output in both log formats exactly, exit codes and signals, a terminal with
// resize and stdin, several attachers with stdin-once, the container's fds, and a failing create.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ShimConnection } from '../../../src/daemon/shim-client/index.js';
import { cgroupLeft, skipUnlessRoot } from '../runtime/harness.js';
import { alive, parseCri, parseJsonFile, until, RUNTIME_CASES, ShimTest } from './harness.js';

/** Everything an attacher receives, and its EXIT frame. */
function collect(conn: ShimConnection): { out: () => string; err: () => string; exit: Promise<number> } {
  let out = '';
  let err = '';
  conn.on('stdout', (b: Buffer) => (out += b.toString('utf8')));
  conn.on('stderr', (b: Buffer) => (err += b.toString('utf8')));
  const exit = new Promise<number>((resolve, reject) => {
    conn.once('exit', (e: { exitCode: number }) => resolve(e.exitCode));
    conn.once('close', () => setImmediate(() => reject(new Error(`closed without EXIT; out ${out}`))));
  });
  exit.catch(() => undefined); // an attacher that detaches on purpose never gets its EXIT
  return { out: () => out, err: () => err, exit };
}

const X = 'x'.repeat(20_000);
const Y = 'y'.repeat(16_384);
// Pieces of one line in separate writes, a line longer than the 16 KiB limit, one exactly at it, both
// streams, characters json-file escapes, and a last line without its newline.
const OUTPUT_SCRIPT = [
  "printf 'one\\ntwo\\n'",
  "printf 'err one\\n' >&2",
  "printf 'par'; sleep 0.05; printf 'tial\\n'",
  "printf 'e-par' >&2; sleep 0.05; printf 'tial\\n' >&2",
  `head -c ${X.length} /dev/zero | tr '\\0' x; echo`,
  `head -c ${Y.length} /dev/zero | tr '\\0' y; echo`,
  'printf \'tab\\there "q" <a&b> \\\\ \\303\\251\\n\'',
  "printf 'no newline at the end'",
].join('; ');

const STDOUT_LINES: [string, boolean][] = [
  ['one', true],
  ['two', true],
  ['partial', true],
  [X.slice(0, 16_384), false],
  [X.slice(16_384), true],
  [Y, true],
  ['tab\there "q" <a&b> \\ é', true],
  ['no newline at the end', false],
];
const STDERR_LINES: [string, boolean][] = [
  ['err one', true],
  ['e-partial', true],
];

for (const rc of RUNTIME_CASES) {
  describe(`shim with ${rc.name}`, { skip: skipUnlessRoot || rc.skip, timeout: 300_000 }, () => {
    let t: ShimTest;
    before(() => {
      t = new ShimTest(rc);
    });
    after(async () => {
      await t.cleanup();
    });

    test('CRI log: every line, partial and split lines exactly, both streams in one file', async () => {
      const id = await t.run(['/bin/sh', '-c', OUTPUT_SCRIPT], { log: 'cri' });
      assert.equal((await t.manager.wait(id)).exitCode, 0);
      const records = parseCri(t.log(id));
      for (const [stream, lines] of [
        ['stdout', STDOUT_LINES],
        ['stderr', STDERR_LINES],
      ] as const)
        assert.deepEqual(
          records.filter((r) => r.stream === stream).map((r) => [r.content, r.tag === 'F']),
          lines.map(([text, full]) => [text, full]),
          `${stream} records`,
        );
      const times = records.map((r) => r.time);
      assert.deepEqual([...times].sort(), times, 'records are in time order');
    });

    test('json-file log: Docker records, escaped as Docker escapes them', async () => {
      const id = await t.run(['/bin/sh', '-c', OUTPUT_SCRIPT], { log: 'json-file' });
      assert.equal((await t.manager.wait(id)).exitCode, 0);
      const text = t.log(id);
      const records = parseJsonFile(text);
      for (const [stream, lines] of [
        ['stdout', STDOUT_LINES],
        ['stderr', STDERR_LINES],
      ] as const)
        assert.deepEqual(
          records.filter((r) => r.stream === stream).map((r) => r.log),
          lines.map(([line, full]) => (full ? `${line}\n` : line)),
          `${stream} records`,
        );
      assert.ok(
        text.includes('"log":"tab\\u0009here \\"q\\" \\u003ca\\u0026b\\u003e \\\\ é\\n"'),
        'tab, <, & and > as \\u escapes, quotes and backslashes escaped, UTF-8 kept',
      );
    });

    test('exit codes, signals, and stop: SIGTERM, then SIGKILL after the timeout', async () => {
      const seven = await t.run(['/bin/sh', '-c', 'exit 7']);
      const exit = await t.manager.wait(seven);
      assert.deepEqual(
        { exitCode: exit.exitCode, signal: exit.signal, oomKilled: exit.oomKilled },
        { exitCode: 7, signal: 0, oomKilled: false },
      );
      assert.equal(exit.pid, (await t.manager.state(seven)).record.pid);
      assert.equal((await t.manager.state(seven)).status, 'exited');

      const killed = await t.run(['/bin/sleep', '100']);
      assert.equal((await t.manager.state(killed)).status, 'running');
      await t.manager.signal(killed, 'SIGKILL');
      const k = await t.manager.wait(killed);
      assert.deepEqual([k.exitCode, k.signal], [137, 9]);
      await assert.rejects(t.manager.signal(killed, 'SIGTERM'), {
        message: new RegExp(`^signal container "${killed}": it has exited$`),
      });

      const polite = await t.run(['/bin/sh', '-c', 'trap "exit 143" TERM; while :; do sleep 0.05; done']);
      const p = await t.manager.stop(polite, 10_000);
      assert.deepEqual([p.exitCode, p.signal], [143, 0], 'stopped by SIGTERM through its trap');

      // As pid 1 of its namespace, sleep has no SIGTERM handler, so SIGTERM is ignored: stop escalates.
      const stubborn = await t.run(['/bin/sleep', '100']);
      const s = await t.manager.stop(stubborn, 300);
      assert.deepEqual([s.exitCode, s.signal], [137, 9]);
    });

    test('an OOM kill inside the container is reported as oomKilled', async () => {
      const id = await t.run(['/bin/sh', '-c', 'head -c 100000000 /dev/zero | sort >/dev/null; exit 3'], {
        edit: (spec) => (spec.linux!.resources = { ...spec.linux!.resources, memory: { limit: 16 << 20 } }),
      });
      const exit = await t.manager.wait(id);
      assert.equal(exit.oomKilled, true, JSON.stringify(exit));
      assert.equal(exit.exitCode, 3, 'the shell survived the kill of its child');
      const calm = await t.run(['/bin/sh', '-c', 'exit 0'], {
        edit: (spec) => (spec.linux!.resources = { ...spec.linux!.resources, memory: { limit: 16 << 20 } }),
      });
      assert.equal((await t.manager.wait(calm)).oomKilled, false);
    });

    test('terminal: one pty for stdio, resize, stdin through an attacher, log as stdout', async () => {
      const id = await t.create(['/bin/sh', '-c', 'read line; stty size; echo "got $line"; tty'], {
        terminal: true,
        stdin: true,
        log: 'cri',
      });
      const conn = await t.manager.attach(id, { stdin: true, stdout: true, stderr: true });
      const got = collect(conn);
      await t.manager.start(id);
      await t.manager.resize(id, 33, 77);
      conn.writeStdin(Buffer.from('hello\n'));
      assert.equal(await got.exit, 0);
      const out = got.out().replace(/\r\n/g, '\n');
      assert.match(out, /^hello\n33 77\ngot hello\n\/dev\/pts\/0\n$/);
      assert.equal(got.err(), '', 'a terminal has no separate stderr');
      const records = parseCri(t.log(id));
      assert.deepEqual(
        records.map((r) => [r.stream, r.tag, r.content]),
        ['hello', '33 77', 'got hello', '/dev/pts/0'].map((l) => ['stdout', 'F', `${l}\r`]),
      );
      await assert.rejects(t.manager.resize(id, 0, 80), {
        message: 'resize: rows 0 is not an integer from 1 to 65535',
      });
    });

    test('resize without a terminal is refused by the shim', async () => {
      const id = await t.run(['/bin/sleep', '100']);
      await assert.rejects(t.manager.resize(id, 10, 10), {
        code: 'FailedPrecondition',
        message: `resize container "${id}": resize: the container has no terminal`,
      });
      await t.manager.signal(id, 9);
    });

    test('attach: two attachers see the same output; stdin-once closes stdin with the first', async () => {
      const id = await t.create(['/bin/cat'], { stdin: true, stdinOnce: true, log: 'cri' });
      const a = await t.manager.attach(id, { stdin: true, stdout: true, stderr: true });
      const b = await t.manager.attach(id, { stdout: true });
      const ga = collect(a);
      const gb = collect(b);
      await t.manager.start(id);
      a.writeStdin(Buffer.from('abc\n'));
      await until('b to see abc', () => gb.out() === 'abc\n');
      a.writeStdin(Buffer.from('def\n'));
      a.endStdin(); // stdin-once: cat gets EOF and exits
      assert.equal(await gb.exit, 0);
      assert.equal(await ga.exit, 0);
      assert.equal(ga.out(), 'abc\ndef\n');
      assert.equal(gb.out(), 'abc\ndef\n');
      assert.deepEqual(
        parseCri(t.log(id)).map((r) => r.content),
        ['abc', 'def'],
      );
    });

    test('attach: without stdin-once, stdin outlives an attacher until closeStdin', async () => {
      const id = await t.create(['/bin/cat'], { stdin: true, log: 'json-file' });
      await t.manager.start(id);
      const first = await t.manager.attach(id, { stdin: true, stdout: true });
      const g1 = collect(first);
      first.writeStdin(Buffer.from('1\n'));
      await until('the first line', () => g1.out() === '1\n');
      first.close();
      const second = await t.manager.attach(id, { stdin: true, stdout: true });
      const g2 = collect(second);
      second.writeStdin(Buffer.from('2\n'));
      await until('the second line', () => g2.out() === '2\n');
      await t.manager.closeStdin(id);
      assert.equal(await g2.exit, 0);
      assert.deepEqual(
        parseJsonFile(t.log(id)).map((r) => r.log),
        ['1\n', '2\n'],
      );
      await assert.rejects(t.manager.attach(id, { stdout: true }), {
        message: `attach to container "${id}": it has exited`,
      });
    });

    test('the container has only its stdio open: no fd of the shim or the manager', async () => {
      for (const terminal of [false, true]) {
        const id = await t.run(['/bin/testinit', 'fds'], { terminal, stdin: true, log: 'cri' });
        assert.equal((await t.manager.wait(id)).exitCode, 0);
        const json = parseCri(t.log(id))
          .map((r) => r.content)
          .join('')
          .replace(/\r/g, '');
        const fds = JSON.parse(json) as { fd: number; target: string }[];
        assert.deepEqual(
          fds.map((f) => f.fd),
          [0, 1, 2],
          json,
        );
        for (const f of fds) assert.match(f.target, terminal ? /^\/dev\/pts\/0$/ : /^pipe:\[\d+\]$/, json);
      }
    });

    test("a program that does not exist fails create in the runtime's words, leaving nothing", async () => {
      const before = t.manager.list().length;
      let id = '';
      await assert.rejects(
        t.create(['/bin/nope']).then((x) => (id = x)),
        (err: Error & { code?: string }) => {
          assert.match(
            err.message,
            /^create container "t-[\w-]+": .*\/bin\/nope.*no such file or directory/i,
          );
          id = /"(t-[\w-]+)"/.exec(err.message)![1]!;
          return true;
        },
      );
      assert.equal(t.manager.list().length, before);
      assert.equal(existsSync(`${t.manager.root}/${id}`), false, 'no shim directory');
      assert.equal(cgroupLeft(`/berth-test/${id}`), undefined, 'no cgroup');
    });

    test('the shim outlives nothing: it exits after recording the exit', async () => {
      const id = await t.run(['/bin/sh', '-c', 'exit 3']);
      const shimPid = (await t.manager.state(id)).record.shimPid;
      assert.ok(shimPid > 0);
      assert.equal((await t.manager.wait(id)).exitCode, 3);
      await until('the shim to exit', () => !alive(shimPid));
      await t.manager.delete(id);
      assert.equal(t.manager.list().includes(id), false);
    });
  });
}
