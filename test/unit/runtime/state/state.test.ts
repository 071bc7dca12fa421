// Process identity from /proc/<pid>/stat, ids, flags and runc's list table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../../../src/runtime/cli-args.js';
import { tabulate } from '../../../../src/runtime/commands/list.js';
import { parseSignal } from '../../../../src/runtime/signals.js';
import { parseProcStat } from '../../../../src/runtime/state/proc.js';
import { checkId } from '../../../../src/runtime/state/store.js';

test('stat parsing survives spaces and parentheses in comm', () => {
  const stat = '4242 (we ird) (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 ...';
  assert.deepEqual(parseProcStat(stat), { state: 'S', startTime: '987654' });
  assert.equal(parseProcStat('garbage'), null);
});

test('container ids', () => {
  assert.equal(checkId('abc-1.2_x+y'), 'abc-1.2_x+y');
  assert.throws(() => checkId('../x'), /invalid container id format: "\.\.\/x"/);
  assert.throws(() => checkId('..'), /invalid container id format/);
  assert.throws(() => checkId(''), /container id cannot be empty/);
});

test('flags in runc style', () => {
  const specs = [
    { name: 'bundle', alias: 'b', type: 'string' as const },
    { name: 'detach', alias: 'd', type: 'bool' as const },
    { name: 'preserve-fds', type: 'int' as const },
  ];
  assert.deepEqual(parseArgs(['-b', '/x', '--detach', 'id', '--preserve-fds=2'], specs), {
    flags: { bundle: '/x', detach: true, 'preserve-fds': 2 },
    args: ['id'],
  });
  assert.throws(() => parseArgs(['--nope'], specs), /flag provided but not defined: -nope/);
  assert.throws(() => parseArgs(['--bundle'], specs), /flag needs an argument: -bundle/);
  assert.throws(() => parseArgs(['--preserve-fds', 'x'], specs), /invalid value "x" for flag -preserve-fds/);
  // Global flags stop at the command name.
  assert.deepEqual(
    parseArgs(['--root', '/r', 'kill', '-a', 'id'], [{ name: 'root', type: 'string' }], true).args,
    ['kill', '-a', 'id'],
  );
});

test('signals by name, SIG name or number', () => {
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('SIGTERM'), 15);
  assert.equal(parseSignal('hup'), 1);
  assert.equal(parseSignal('10'), 10);
  assert.throws(() => parseSignal('SIGFOO'), /invalid signal "SIGFOO"/);
  assert.equal(parseSignal('0'), 0, 'signal 0 probes, as with runc');
  assert.throws(() => parseSignal('65'), /invalid signal "65"/);
  // Real-time signals relative to their ends, as docker's ParseSignal takes them.
  assert.deepEqual(['SIGRTMIN', 'SIGRTMIN+3', 'rtmax-1', 'RTMAX'].map(parseSignal), [34, 37, 63, 64]);
  assert.throws(() => parseSignal('SIGRTMIN+31'), /invalid signal "SIGRTMIN\+31"/);
});

test('list table uses tabwriter widths', () => {
  assert.equal(
    tabulate([
      ['ID', 'PID', 'STATUS'],
      ['a-long-container-id', '1', 'running'],
    ]),
    'ID                    PID         STATUS\na-long-container-id   1           running\n',
  );
});
