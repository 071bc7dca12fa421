// Writer locks: exclusive within the process, and a lock file left by a dead process is stale.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestOf } from '../../../src/content/index.js';
import { LockDir } from '../../../src/content/ref-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-locks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lockFile = (name: string): string => join(dir, digestOf(name).slice(7));

test('a lock is exclusive until released, also across LockDir objects of one directory', () => {
  const a = new LockDir(dir);
  const b = new LockDir(dir);
  const held = a.tryAcquire('ref x');
  assert.ok(held);
  assert.equal(b.tryAcquire('ref x'), null);
  const other = b.tryAcquire('ref y');
  assert.ok(other);
  other.release();
  held.release();
  held.release(); // idempotent
  const again = b.tryAcquire('ref x');
  assert.ok(again);
  again.release();
  assert.deepEqual(readdirSync(dir), []);
});

test('a lock file of a process that has exited is stale and is taken over', () => {
  const child = spawnSync('/bin/true');
  assert.equal(child.status, 0);
  writeFileSync(lockFile('ref dead'), JSON.stringify({ pid: child.pid, start: '1', name: 'ref dead' }));
  const held = new LockDir(dir).tryAcquire('ref dead');
  assert.ok(held, 'the dead owner does not block');
  held.release();
});

test('a lock file naming a live pid with another start time (a reused pid) is stale', () => {
  writeFileSync(lockFile('ref reused'), JSON.stringify({ pid: process.pid, start: '1', name: 'ref reused' }));
  const held = new LockDir(dir).tryAcquire('ref reused');
  assert.ok(held);
  held.release();
});

test('a lock file of a live process blocks, and a fresh unreadable one is not yet stale', () => {
  const ppid = process.ppid;
  const start = readStart(ppid);
  writeFileSync(lockFile('ref live'), JSON.stringify({ pid: ppid, start, name: 'ref live' }));
  assert.equal(new LockDir(dir).tryAcquire('ref live'), null);
  writeFileSync(lockFile('ref torn'), '');
  assert.equal(new LockDir(dir).tryAcquire('ref torn'), null);
  rmSync(lockFile('ref live'));
  rmSync(lockFile('ref torn'));
});

function readStart(pid: number): string {
  const text = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}
