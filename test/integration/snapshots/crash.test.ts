// A snapshotter process killed in the middle of preparing a snapshot leaves no record and only a
// half-copied .new-* directory, which cleanup() removes; the same prepare then succeeds.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NativeSnapshotter } from '../../../src/snapshots/index.js';

const CHILD = fileURLToPath(new URL('./prepare-child.js', import.meta.url));
const skip = process.getuid?.() === 0 ? false : 'needs root (mknod and chown while copying)';
const root = mkdtempSync(join(tmpdir(), 'berth-snap-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a prepare killed mid-copy leaves nothing that cleanup does not remove', { skip }, async () => {
  const dir = join(root, 'native');
  const sn = new NativeSnapshotter(dir);
  // A parent big enough that copying it takes a while: 25 directories of 80 files.
  await sn.prepare('base-key');
  const base = sn.fsPath(1);
  for (let d = 0; d < 25; d++) {
    mkdirSync(join(base, `d${d}`));
    await Promise.all(
      Array.from({ length: 80 }, (_, f) => writeFile(join(base, `d${d}`, `f${f}`), `${d}/${f}`)),
    );
  }
  await sn.commit('base', 'base-key');
  await sn.close();

  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(process.execPath, [CHILD, dir, 'victim', 'base'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  try {
    // Kill it once the copy is under way: a .new-* directory with some of the files in it.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const tmp = readdirSync(dir).find((n) => n.startsWith('.new-'));
      if (tmp && entriesOf(join(dir, tmp, 'fs')) >= 2) break;
      assert.ok(
        !output.includes('prepared'),
        'the prepare finished before it could be killed; make the parent bigger',
      );
      assert.ok(Date.now() < deadline, `the child did not start copying: ${output}`);
      await sleep(2);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  assert.ok(!output.includes('prepared'));

  const reopened = new NativeSnapshotter(dir);
  try {
    await assert.rejects(reopened.stat('victim'), {
      code: 'NotFound',
      message: 'snapshot "victim": not found',
    });
    assert.equal(await reopened.cleanup(), 1);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('.')),
      [],
    );
    await reopened.prepare('victim', 'base');
    assert.equal((await reopened.stat('victim')).kind, 'active');
    await reopened.remove('victim');
    await reopened.remove('base');
  } finally {
    await reopened.close();
  }
});

/** How many entries `dir` has, 0 while it does not exist yet. */
function entriesOf(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}
