// The GC lock: shared holders run together, an exclusive holder waits for them and keeps new ones out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GcLock } from '../../../src/metadata/gc-lock.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('exclusive waits for shared holders and blocks later ones until it is done', async () => {
  const lock = new GcLock();
  const events: string[] = [];
  let releaseShared!: () => void;
  const first = lock.shared(async () => {
    events.push('shared-1 in');
    await new Promise<void>((r) => (releaseShared = r));
    events.push('shared-1 out');
  });
  await tick();
  const second = lock.shared(() => void events.push('shared-2 ran alongside'));
  await second;
  const exclusive = lock.exclusive(async () => {
    events.push('exclusive in');
    await tick();
    events.push('exclusive out');
  });
  await tick();
  const late = lock.shared(() => void events.push('shared-3 after exclusive'));
  await tick();
  assert.deepEqual(
    events,
    ['shared-1 in', 'shared-2 ran alongside'],
    'exclusive waits, and so does a shared holder behind it',
  );
  releaseShared();
  await Promise.all([first, exclusive, late]);
  assert.deepEqual(events, [
    'shared-1 in',
    'shared-2 ran alongside',
    'shared-1 out',
    'exclusive in',
    'exclusive out',
    'shared-3 after exclusive',
  ]);
});

test('a throwing holder releases the lock', async () => {
  const lock = new GcLock();
  await assert.rejects(
    lock.exclusive(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  await assert.rejects(
    lock.shared(() => Promise.reject(new Error('bang'))),
    /bang/,
  );
  assert.equal(await lock.exclusive(() => 'free'), 'free');
});
