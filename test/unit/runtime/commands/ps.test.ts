// `ps` table filtering: the header stays, rows are kept by their PID column wherever it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterPsOutput } from '../../../../src/runtime/commands/ps.js';

const EF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root         412       1  0 10:01 ?        00:00:00 sleep 300
root         413     412  0 10:01 ?        00:00:00 sh -c echo a  b
`;

test('rows are kept by the PID column', () => {
  assert.equal(
    filterPsOutput(EF, [412, 413]),
    `UID          PID    PPID  C STIME TTY          TIME CMD
root         412       1  0 10:01 ?        00:00:00 sleep 300
root         413     412  0 10:01 ?        00:00:00 sh -c echo a  b
`,
  );
  assert.equal(filterPsOutput('  PID TTY\n    1 ?\n   77 pts/0\n', [77]), '  PID TTY\n   77 pts/0\n');
  assert.equal(filterPsOutput(EF, []), EF.split('\n')[0] + '\n');
});

test('ps output without a PID column is an error', () => {
  assert.throws(() => filterPsOutput('USER COMMAND\nroot init\n', [1]), {
    message: "couldn't find PID field in ps output",
  });
});
