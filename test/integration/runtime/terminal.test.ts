// process.terminal: the pty master handed over --console-socket (SCM_RIGHTS, as runc does), the console
// size, /dev/console, and `run` in the foreground proxying a terminal without a console socket.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { consoleSocket, drain } from './console.js';
import { Bundle, skipUnlessRoot, TestRuntime, uniqueId } from './harness.js';

describe('terminal', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  let dir: string;
  before(async () => {
    rt = new TestRuntime();
    bundle = await Bundle.create();
    dir = mkdtempSync(join(tmpdir(), 'berth-tty-'));
  });
  after(async () => {
    await rt.cleanup();
    bundle.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create --console-socket sends the pty master; the size and /dev/console are the pty', async () => {
    bundle.spec.process!.terminal = true;
    bundle.spec.process!.consoleSize = { height: 31, width: 97 };
    bundle.spec.process!.args = ['/bin/sh', '-c', '/bin/testinit tty; /bin/testinit stat /dev/console'];
    bundle.write();
    const sock = await consoleSocket(dir);
    const id = uniqueId('tty');
    try {
      const created = await rt.runDetached(['create', '-b', bundle.dir, '--console-socket', sock.path, id]);
      assert.equal(created.code, 0, created.stderr);
      const master = await sock.master;
      const output = drain(master);
      assert.equal((await rt.run(['start', id])).code, 0);
      const lines = (await output).replace(/\r\n/g, '\n').trim().split('\n');
      const tty = JSON.parse(lines[0]!) as Record<string, unknown>;
      assert.deepEqual(tty, { isatty0: true, isatty1: true, ttyname: '/dev/pts/0', rows: 31, cols: 97 });
      const consoleDev = JSON.parse(lines[1]!) as { type: string; rdev: string };
      assert.equal(consoleDev.type, 'char');
      assert.equal(consoleDev.rdev, '136:0', '/dev/console is the pty slave (devpts major 136)');
    } finally {
      sock.close();
      await rt.run(['delete', '--force', id]);
    }
  });

  test('a terminal without --console-socket is refused by create, and nothing is left', async () => {
    bundle.spec.process!.terminal = true;
    bundle.write();
    const id = uniqueId('tty');
    const r = await rt.run(['create', '-b', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'runtime: process.terminal: a terminal needs --console-socket when detached\n');
    assert.equal((await rt.run(['state', id])).code, 1);
  });

  test('--console-socket without a terminal is refused', async () => {
    bundle.spec.process!.terminal = false;
    bundle.write();
    const r = await rt.run([
      'create',
      '-b',
      bundle.dir,
      '--console-socket',
      join(dir, 'none'),
      uniqueId('tty'),
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'runtime: --console-socket: process.terminal is false, there is no terminal to send\n',
    );
  });

  test('run in the foreground proxies the terminal and exits with the status', async () => {
    bundle.spec.process!.terminal = true;
    bundle.spec.process!.args = ['/bin/sh', '-c', 'tty; echo hi; exit 5'];
    bundle.write();
    const r = await rt.run(['run', '-b', bundle.dir, uniqueId('tty')]);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout.replace(/\r\n/g, '\n'), '/dev/pts/0\nhi\n');
  });

  test('a console socket nobody listens on fails create clearly', async () => {
    bundle.spec.process!.terminal = true;
    bundle.write();
    const id = uniqueId('tty');
    const path = join(dir, 'nobody.sock');
    const r = await rt.run(['create', '-b', bundle.dir, '--console-socket', path, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^runtime: .*console socket "${path}".*No such file or directory\\n$`));
    assert.equal((await rt.run(['state', id])).code, 1);
  });
});
