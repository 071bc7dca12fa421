// Processes exec'd into running containers, each under its own shim (`<runtime> exec --process
// --detach`): exit code, log, a terminal with stdin, deletion with the container; and the refusals.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Process } from '../../../src/oci/runtime-spec.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import { parseCri, RUNTIME_CASES, ShimTest } from './harness.js';

/** The container's own process with other args, as docker exec makes one. */
function processOf(t: ShimTest, id: string, args: string[], terminal = false): Process {
  const spec = JSON.parse(readFileSync(join(t.dir, 'bundles', id, 'config.json'), 'utf8')) as {
    process: Process;
  };
  return { ...spec.process, args, terminal };
}

for (const rc of RUNTIME_CASES) {
  describe(`exec with ${rc.name}`, { skip: skipUnlessRoot || rc.skip, timeout: 120_000 }, () => {
    let t: ShimTest;
    before(() => {
      t = new ShimTest(rc);
    });
    after(async () => {
      await t.cleanup();
    });

    test(
      'an exec runs under its own shim: exit code, log, terminal and stdin',
      { skip: rc.noExec },
      async () => {
        const id = await t.run(['/bin/sleep', '100']);
        const log = { path: join(t.logs, `${id}-e1.log`), format: 'cri' as const };
        const e1 = await t.manager.exec(id, 'e1', {
          process: processOf(t, id, ['/bin/sh', '-c', 'echo from exec; echo to err >&2; exit 5']),
          log,
        });
        assert.equal(e1.id, `${id}/e1`);
        assert.equal((await t.manager.wait(e1.id)).exitCode, 5);
        assert.deepEqual(
          parseCri(readFileSync(log.path, 'utf8')).map((r) => [r.stream, r.content]),
          [
            ['stdout', 'from exec'],
            ['stderr', 'to err'],
          ],
        );

        const e2 = await t.manager.exec(id, 'e2', {
          process: processOf(t, id, ['/bin/sh', '-c', 'read x; echo "got $x"; tty'], true),
          stdin: true,
        });
        const conn = await t.manager.attach(e2.id, { stdin: true, stdout: true });
        let out = '';
        conn.on('stdout', (b: Buffer) => (out += b.toString()));
        const exited = new Promise<number>((r) =>
          conn.once('exit', (e: { exitCode: number }) => r(e.exitCode)),
        );
        conn.writeStdin(Buffer.from('hi\n'));
        assert.equal(await exited, 0);
        assert.match(out.replace(/\r\n/g, '\n'), /^hi\ngot hi\n\/dev\/pts\/\d+\n$/);

        assert.deepEqual(t.manager.listExecs(id).sort(), [`${id}/e1`, `${id}/e2`]);
        assert.equal((await t.manager.state(id)).status, 'running', 'the container runs on');
        await t.manager.delete(e1.id);
        assert.deepEqual(t.manager.listExecs(id), [`${id}/e2`]);
        await t.manager.delete(id, { force: true });
        assert.equal(existsSync(join(t.manager.root, id)), false, 'the container and its execs are gone');
      },
    );

    test(
      'a held exec waits for start, so that an attacher sees all of its output',
      { skip: rc.runtime('').kind !== 'builtin' && 'only the built-in path holds an exec' },
      async () => {
        const id = await t.run(['/bin/sleep', '100']);
        const e = await t.manager.exec(id, 'held', {
          process: processOf(t, id, ['/bin/echo', 'first words']),
          hold: true,
        });
        assert.equal(e.status, 'created');
        assert.equal((await t.manager.state(e.id)).status, 'created');
        const conn = await t.manager.attach(e.id, { stdout: true });
        let out = '';
        conn.on('stdout', (b: Buffer) => (out += b.toString()));
        const exited = new Promise<number>((r) =>
          conn.once('exit', (x: { exitCode: number }) => r(x.exitCode)),
        );
        await t.manager.start(e.id);
        assert.equal(await exited, 0);
        assert.equal(out, 'first words\n');
        await t.manager.delete(id, { force: true });
      },
    );

    test('an exec needs a running container, and an exec id of its own', async () => {
      const id = await t.create(['/bin/sleep', '100']);
      const p = processOf(t, id, ['/bin/true']);
      await assert.rejects(t.manager.exec(id, 'x', { process: p }), {
        message: `exec "x" in container "${id}": the container is created`,
      });
      await t.manager.start(id);
      if (rc.noExec) {
        const builtin = rc.runtime(t.dir).kind === 'builtin';
        await assert.rejects(t.manager.exec(id, 'x', { process: p }), {
          message: builtin
            ? `exec "x" in container "${id}": the built-in path cannot exec yet; create the container with an OCI runtime for exec`
            : `exec "x" in container "${id}": runtime: no such command "exec"`,
        });
        assert.deepEqual(t.manager.listExecs(id), [], 'nothing left of the refused exec');
        return;
      }
      await assert.rejects(t.manager.exec(id, '../x', { process: p }), {
        message: 'invalid container id format: "../x"',
      });
      const e = await t.manager.exec(id, 'x', { process: p });
      await assert.rejects(t.manager.exec(id, 'x', { process: p }), {
        code: 'AlreadyExists',
        message: `exec "x" in container "${id}": it already has a shim`,
      });
      assert.equal((await t.manager.wait(e.id)).exitCode, 0);
    });
  });
}
