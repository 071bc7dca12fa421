import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagUsage, parseFlags, type Flag } from '../../../src/base/flags.js';

const FLAGS: Flag[] = [
  { name: 'interactive', short: 'i', kind: 'bool' },
  { name: 'tty', short: 't', kind: 'bool' },
  { name: 'name', kind: 'string' },
  { name: 'env', short: 'e', kind: 'list' },
  { name: 'publish', short: 'p', kind: 'list' },
  { name: 'memory', short: 'm', kind: 'string' },
  { name: 'cpu-shares', short: 'c', kind: 'int' },
];

test('pflag forms: --x v, --x=v, -x v, -xv, bundled booleans, lists', () => {
  const { values, args } = parseFlags(
    [
      '-it',
      '--name',
      'web',
      '-e',
      'A=1',
      '--env=B=2',
      '-eC=3',
      '-p8080:80',
      '-m=64m',
      '-c',
      '512',
      'busybox',
    ],
    FLAGS,
  );
  assert.deepEqual(values, {
    interactive: true,
    tty: true,
    name: 'web',
    env: ['A=1', 'B=2', 'C=3'],
    publish: ['8080:80'],
    memory: '64m',
    'cpu-shares': 512,
  });
  assert.deepEqual(args, ['busybox']);
});

test('interspersed off: flags end at the first argument, so the command keeps its own', () => {
  const { values, args } = parseFlags(['-i', 'busybox', 'ls', '-l', '--name', 'x'], FLAGS, false);
  assert.deepEqual(values, { interactive: true });
  assert.deepEqual(args, ['busybox', 'ls', '-l', '--name', 'x']);
});

test('-- ends the flags; --bool=false', () => {
  const { values, args } = parseFlags(['--tty=false', '--', '-i'], FLAGS);
  assert.deepEqual(values, { tty: false });
  assert.deepEqual(args, ['-i']);
});

test('errors as pflag words them', () => {
  assert.throws(() => parseFlags(['--nope'], FLAGS), { message: 'unknown flag: --nope' });
  assert.throws(() => parseFlags(['-x'], FLAGS), { message: "unknown shorthand flag: 'x' in -x" });
  assert.throws(() => parseFlags(['--name'], FLAGS), { message: 'flag needs an argument: --name' });
  assert.throws(() => parseFlags(['-e'], FLAGS), { message: "flag needs an argument: 'e' in -e" });
  assert.throws(() => parseFlags(['-c', 'lots'], FLAGS), {
    message: 'invalid argument "lots" for "-c" flag: parse error',
  });
});

test('usage lines', () => {
  assert.equal(
    flagUsage([
      { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
      { name: 'name', kind: 'string', usage: 'Assign a name' },
      { name: 'secret', kind: 'bool', hidden: true },
    ]),
    '  -t, --tty           Allocate a pseudo-TTY\n      --name string   Assign a name',
  );
});
