// runProgram: a program started by posix_spawn, its input fed, its output and status collected, killed
// at its timeout; a program that is not there is an error that names it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runProgram } from '../../../src/base/run-program.js';

test('runProgram feeds stdin, collects stdout and stderr apart, and reports the exit code', async () => {
  const r = await runProgram('sh', ['-c', 'read line; echo "out:$line"; echo "err:$X" >&2; exit 3'], {
    input: 'hello\n',
    env: { PATH: '/usr/bin:/bin', X: 'given' },
  });
  assert.deepEqual(r, { code: 3, stdout: 'out:hello\n', stderr: 'err:given\n', timedOut: false });
});

test('runProgram without input gives the program /dev/null, and a large output arrives whole', async () => {
  const r = await runProgram('/bin/sh', ['-c', 'cat; head -c 1000000 /dev/zero | tr "\\0" a']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 1_000_000);
  assert.match(r.stdout, /^a+$/);
});

test('runProgram kills a program at its timeout', async () => {
  const t0 = Date.now();
  const r = await runProgram('sleep', ['30'], { timeoutMs: 100 });
  assert.equal(r.timedOut, true);
  assert.equal(r.code, 128 + 9);
  assert.ok(Date.now() - t0 < 10_000);
});

test('runProgram names a program it cannot find', async () => {
  await assert.rejects(runProgram('berth-no-such-program', [], { env: { PATH: '/usr/bin:/bin' } }), {
    code: 'FailedPrecondition',
    message: 'run "berth-no-such-program": not found in PATH "/usr/bin:/bin"',
  });
  await assert.rejects(runProgram('/nonexistent/program', []), {
    code: 'Internal',
    message: /^run "\/nonexistent\/program": .*(ENOENT|No such file)/,
  });
});
