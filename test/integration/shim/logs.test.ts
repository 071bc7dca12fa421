// The shim's log and attach policies (native/shim/log.c, attach.c): json-file rotation by size and file
// count, truncation with one file, ReopenContainerLog after a rename, a custom line limit, a full disk
// (records dropped and counted, the container unaffected), and an attacher that stops reading (dropped,
// the container unaffected).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeFrame, FrameDecoder, Kind } from '../../../src/daemon/shim-client/protocol.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import { parseCri, parseJsonFile, ShimTest, until } from './harness.js';

const lines = (n: number, from = 0): string =>
  `i=${from}; while [ $i -lt ${from + n} ]; do echo "line $i"; i=$((i+1)); done`;

describe('shim logs', { skip: skipUnlessRoot, timeout: 120_000 }, () => {
  let t: ShimTest;
  before(() => {
    t = new ShimTest();
  });
  after(async () => {
    await t.cleanup();
  });

  test('json-file rotation: files never pass max-size, max-files are kept, nothing in them is lost', async () => {
    const path = join(t.logs, 'rotated.log');
    const id = await t.run(['/bin/sh', '-c', lines(100)], {
      log: { path, format: 'json-file', maxSize: 1000, maxFiles: 3 },
    });
    assert.equal((await t.manager.wait(id)).exitCode, 0);
    assert.equal(existsSync(`${path}.3`), false, 'at most max-files files');
    const files = [`${path}.2`, `${path}.1`, path];
    for (const f of files) assert.ok(statSync(f).size <= 1000, `${f}: ${statSync(f).size} bytes`);
    const kept = files.flatMap((f) => parseJsonFile(readFileSync(f, 'utf8')).map((r) => r.log));
    const last = 99;
    const first = last - kept.length + 1;
    assert.deepEqual(
      kept,
      kept.map((_, i) => `line ${first + i}\n`),
      'the newest records, in order, ending with the last',
    );
    assert.ok(kept.length > 20, `${kept.length} records kept in three files`);
  });

  test('one file: it is truncated when full', async () => {
    const path = join(t.logs, 'truncated.log');
    const id = await t.run(['/bin/sh', '-c', lines(50)], {
      log: { path, format: 'cri', maxSize: 500, maxFiles: 1 },
    });
    await t.manager.wait(id);
    assert.equal(existsSync(`${path}.1`), false);
    const contents = parseCri(readFileSync(path, 'utf8')).map((r) => r.content);
    assert.ok(statSync(path).size <= 500);
    assert.equal(contents.at(-1), 'line 49');
  });

  test('reopen: after the kubelet renames the file, new records go to a new file at the path', async () => {
    const id = await t.create(['/bin/sh', '-c', `${lines(3)}; read x; ${lines(2, 3)}`], {
      log: 'cri',
      stdin: true,
    });
    const conn = await t.manager.attach(id, { stdin: true, stdout: true });
    let out = '';
    conn.on('stdout', (b: Buffer) => (out += b.toString()));
    await t.manager.start(id);
    await until('the first three lines', () => out.includes('line 2\n'));
    renameSync(t.logPath(id), `${t.logPath(id)}.0`);
    await t.manager.reopenLog(id);
    conn.writeStdin(Buffer.from('go\n'));
    await t.manager.wait(id);
    conn.close();
    assert.deepEqual(
      parseCri(readFileSync(`${t.logPath(id)}.0`, 'utf8')).map((r) => r.content),
      ['line 0', 'line 1', 'line 2'],
    );
    assert.deepEqual(
      parseCri(t.log(id)).map((r) => r.content),
      ['line 3', 'line 4'],
    );
  });

  test('--log-max-line splits lines at the limit', async () => {
    const id = await t.run(['/bin/sh', '-c', 'echo abcdefghijklmnopqrstuvwxy; echo 0123456789'], {
      log: { path: join(t.logs, 'short-lines.log'), format: 'cri', maxLine: 10 },
    });
    await t.manager.wait(id);
    assert.deepEqual(
      parseCri(readFileSync(join(t.logs, 'short-lines.log'), 'utf8')).map((r) => `${r.tag} ${r.content}`),
      ['P abcdefghij', 'P klmnopqrst', 'F uvwxy', 'F 0123456789'],
    );
  });

  test('a full disk drops records and counts them; the container runs on and attachers get everything', async () => {
    const disk = join(t.dir, 'tiny');
    mkdirSync(disk);
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'berth-test', disk]).status, 0);
    try {
      const id = await t.create(['/bin/sh', '-c', `${lines(2000)}; exit 4`], {
        log: { path: join(disk, 'full.log'), format: 'cri' },
      });
      const conn = await t.manager.attach(id, { stdout: true });
      let out = '';
      conn.on('stdout', (b: Buffer) => (out += b.toString()));
      await t.manager.start(id);
      const exit = await t.manager.wait(id);
      assert.equal(exit.exitCode, 4);
      assert.ok(exit.logDropped > 1000, `${exit.logDropped} records dropped`);
      // The record the disk cut short is counted as dropped; the rest are whole.
      const text = readFileSync(join(disk, 'full.log'), 'utf8');
      const whole = parseCri(text.slice(0, text.lastIndexOf('\n') + 1));
      assert.equal(whole.length + exit.logDropped, 2000, 'each record was written or counted');
      assert.deepEqual(
        whole.map((r) => r.content),
        whole.map((_, i) => `line ${i}`),
      );
      for (let i = 0; i < 200 && !out.endsWith('line 1999\n'); i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(out.split('\n').length - 1, 2000, 'the attacher got every line');
      conn.close();
    } finally {
      spawnSync('umount', [disk]);
    }
  });

  test('an attacher that stops reading is dropped; the container is not held up', async () => {
    const id = await t.create(['/bin/sh', '-c', 'head -c 4000000 /dev/zero | tr "\\0" "z"; echo; exit 0'], {
      log: 'cri',
    });
    const dir = join(t.manager.root, id);
    const stuck = connect(join(dir, 'attach.sock'));
    await new Promise((r) => stuck.once('connect', r));
    stuck.write(encodeFrame(Kind.ATTACH, Buffer.from([2])));
    stuck.pause(); // never read: the shim's queue for it fills
    const frames: number[] = [];
    let bytes = 0;
    const decoder = new FrameDecoder();
    stuck.on('data', (b: Buffer) => {
      for (const f of decoder.push(b)) {
        frames.push(f.kind);
        bytes += f.payload.length;
      }
    });
    const closed = new Promise((r) => stuck.once('close', r));
    await t.manager.start(id);
    assert.equal((await t.manager.wait(id)).exitCode, 0, 'the container finished');
    const records = parseCri(t.log(id));
    assert.equal(records.map((r) => r.content).join(''), 'z'.repeat(4_000_000), 'the log has all of it');
    stuck.resume();
    await closed;
    assert.ok(bytes < 4_000_000, `the stuck attacher got only ${bytes} bytes before it was dropped`);
    assert.equal(frames.includes(Kind.EXIT), false, 'and no EXIT: it was gone by then');
  });
});
