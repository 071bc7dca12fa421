// The snapshotter conformance suite (containerd's snapshots/testsuite is the model), run by every
// implementation through its own *.test.ts with real mounts (root). Every mount a test makes is undone
// in `finally`, and the fixture's directory is removed after the suite.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  readFile,
  readlink,
  readdir,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { native } from '../../../src/base/native.js';
import {
  layerDir,
  mountAll,
  unmountAll,
  type Mount,
  type Snapshotter,
} from '../../../src/snapshots/index.js';
import { rejectsWith } from '../content/suite.js';

/** A snapshotter under test. */
export interface SnapshotterFixture {
  /** A fresh snapshotter over an empty directory. */
  snapshotter: Snapshotter;
  /** Its directory. */
  dir: string;
  /** Closes the snapshotter and opens a new one over the same directory. */
  reopen(): Promise<Snapshotter>;
  /** Removes everything. */
  cleanup(): Promise<void>;
  /** Layers in the long-chain test; default 120, enough for overlay's lowerdir to pass one page. */
  chainDepth?: number;
}

/** Why the suite cannot run here (it mounts), or false. */
export const skipUnlessRoot = process.getuid?.() === 0 ? false : 'needs root (real mounts)';

/** Registers the suite for one implementation. */
export function snapshotterSuite(name: string, makeFixture: () => Promise<SnapshotterFixture>): void {
  describe(`snapshotter conformance: ${name}`, { skip: skipUnlessRoot }, () => {
    let fx: SnapshotterFixture;
    let sn: Snapshotter;
    let scratch: string;
    const targets: string[] = [];

    before(async () => {
      fx = await makeFixture();
      sn = fx.snapshotter;
      scratch = mkdtempSync(join(tmpdir(), 'berth-snap-mnt-'));
    });
    after(async () => {
      for (const t of targets) unmountAll(t);
      await sn.close();
      rmSync(scratch, { recursive: true, force: true });
      await fx.cleanup();
    });

    /** Mounts `mounts` on a new directory, runs fn on it, and always unmounts. */
    async function withMounted<T>(mounts: Mount[], fn: (dir: string) => Promise<T>): Promise<T> {
      const target = join(scratch, randomBytes(4).toString('hex'));
      mkdirSync(target);
      targets.push(target);
      mountAll(mounts, target);
      try {
        return await fn(target);
      } finally {
        unmountAll(target);
        rmSync(target, { recursive: true });
        targets.splice(targets.indexOf(target), 1);
      }
    }

    /** Prepares `key` on `parent`, applies fn to its tree, and commits it as `name`. */
    async function layer(
      name: string,
      parent: string | undefined,
      fn: (dir: string) => Promise<void>,
    ): Promise<void> {
      const key = `extract-${name}`;
      await withMounted(await sn.prepare(key, parent), fn);
      await sn.commit(name, key);
    }

    test('layers stack: files added, changed and deleted show in the child, a view is read-only', async () => {
      await layer('base', undefined, async (d) => {
        await writeFile(join(d, 'keep'), 'base');
        await writeFile(join(d, 'change'), 'base');
        await writeFile(join(d, 'delete'), 'base');
        await mkdir(join(d, 'dir'));
        await writeFile(join(d, 'dir', 'inner'), 'base');
      });
      await layer('top', 'base', async (d) => {
        assert.equal(await readFile(join(d, 'keep'), 'utf8'), 'base');
        await writeFile(join(d, 'change'), 'top');
        await unlink(join(d, 'delete'));
        await rm(join(d, 'dir'), { recursive: true });
        await writeFile(join(d, 'added'), 'top');
      });
      const mounts = await sn.view('view-top', 'top');
      await withMounted(mounts, async (d) => {
        assert.deepEqual((await readdir(d)).sort(), ['added', 'change', 'keep']);
        assert.equal(await readFile(join(d, 'change'), 'utf8'), 'top');
        await assert.rejects(writeFile(join(d, 'x'), 'x'), { code: 'EROFS' });
      });
      assert.deepEqual(await sn.mounts('view-top'), mounts);
      // The base layer is untouched by its child.
      await withMounted(await sn.view('view-base', 'base'), async (d) => {
        assert.deepEqual((await readdir(d)).sort(), ['change', 'delete', 'dir', 'keep']);
        assert.equal(await readFile(join(d, 'change'), 'utf8'), 'base');
      });
      const info = await sn.stat('top');
      assert.equal(info.kind, 'committed');
      assert.equal(info.parent, 'base');
      assert.equal((await sn.stat('view-top')).kind, 'view');
      await sn.remove('view-top');
      await sn.remove('view-base');
    });

    test('key = active, name = committed: the key is gone after commit, and kinds are enforced', async () => {
      await sn.prepare('active-1', 'base');
      assert.equal((await sn.stat('active-1')).kind, 'active');
      await rejectsWith(sn.prepare('active-1'), 'AlreadyExists', 'snapshot "active-1": already exists');
      await rejectsWith(sn.prepare('base'), 'AlreadyExists', 'snapshot "base": already exists');
      await rejectsWith(
        sn.prepare('child', 'active-1'),
        'FailedPrecondition',
        'parent snapshot "active-1": is active, not committed',
      );
      await rejectsWith(sn.prepare('child', 'nope'), 'NotFound', 'parent snapshot "nope": not found');
      await rejectsWith(sn.commit('base', 'active-1'), 'AlreadyExists', 'snapshot "base": already exists');
      await sn.commit('committed-1', 'active-1');
      await rejectsWith(sn.stat('active-1'), 'NotFound', 'snapshot "active-1": not found');
      await rejectsWith(
        sn.mounts('committed-1'),
        'FailedPrecondition',
        'mounts "committed-1": snapshot is committed; prepare or view it',
      );
      await rejectsWith(
        sn.commit('x', 'committed-1'),
        'FailedPrecondition',
        'commit "committed-1": snapshot is committed, not active',
      );
      await sn.view('a-view', 'committed-1');
      await rejectsWith(
        sn.commit('x', 'a-view'),
        'FailedPrecondition',
        'commit "a-view": snapshot is view, not active',
      );
      await rejectsWith(
        sn.remove('base'),
        'FailedPrecondition',
        /^remove "base": snapshot is the parent of "/,
      );
      await rejectsWith(sn.remove('missing'), 'NotFound', 'snapshot "missing": not found');
      await rejectsWith(sn.prepare(''), 'InvalidArgument', 'snapshot key: must not be empty');
      await sn.remove('a-view');
      await sn.remove('committed-1');
    });

    test('labels are set, merged on commit, updated by field path, and filter walk', async () => {
      await sn.prepare('labelled', undefined, { labels: { a: '1', b: '2' } });
      assert.deepEqual((await sn.stat('labelled')).labels, { a: '1', b: '2' });
      await sn.update({ name: 'labelled', labels: { a: 'x' } }, ['labels.a', 'labels.b']);
      assert.deepEqual((await sn.stat('labelled')).labels, { a: 'x' });
      await sn.commit('labelled-c', 'labelled', { labels: { c: '3' } });
      assert.deepEqual((await sn.stat('labelled-c')).labels, { a: 'x', c: '3' });
      await sn.update({ name: 'labelled-c', labels: { only: 'this' } });
      assert.deepEqual((await sn.stat('labelled-c')).labels, { only: 'this' });
      await rejectsWith(sn.update({ name: 'labelled-c', labels: {} }, ['parent']), 'InvalidArgument');
      const seen: string[] = [];
      await sn.walk((i) => void seen.push(i.name), { labels: { only: 'this' } });
      assert.deepEqual(seen, ['labelled-c']);
      const committed: string[] = [];
      await sn.walk((i) => void committed.push(i.name), { kind: 'committed', parent: 'base' });
      assert.deepEqual(committed, ['top']);
      await sn.remove('labelled-c');
    });

    test('usage counts the snapshot own layer, and is kept at commit', async () => {
      await sn.prepare('usage', 'base');
      const before = await sn.usage('usage');
      await withMounted(await sn.mounts('usage'), async (d) => {
        await writeFile(join(d, 'big'), randomBytes(1024 * 1024));
        await writeFile(join(d, 'small'), 'x');
        await link(join(d, 'big'), join(d, 'big-link'));
      });
      const during = await sn.usage('usage');
      assert.ok(during.size - before.size >= 1024 * 1024, `size grew by ${during.size - before.size}`);
      assert.ok(during.size - before.size < 2 * 1024 * 1024, 'a hard link is counted once');
      assert.equal(during.inodes - before.inodes, 2);
      await sn.commit('usage-c', 'usage');
      assert.deepEqual(await sn.usage('usage-c'), during);
      await sn.remove('usage-c');
    });

    test('owners, modes, times, xattrs, links, devices and fifos survive a layer', async () => {
      await layer('attrs', undefined, async (d) => {
        await writeFile(join(d, 'suid'), 'x');
        await chown(join(d, 'suid'), 1000, 1001);
        await chmod(join(d, 'suid'), 0o4755);
        native().lsetxattr(join(d, 'suid'), 'security.capability', capability(), 0);
        native().lsetxattr(join(d, 'suid'), 'user.note', Buffer.from('kept'), 0);
        await mkdir(join(d, 'sticky'));
        await chmod(join(d, 'sticky'), 0o1777);
        await symlink('../target', join(d, 'link'));
        await link(join(d, 'suid'), join(d, 'hard'));
        await mkdir(join(d, 'sub'));
        await link(join(d, 'suid'), join(d, 'sub', 'hard-elsewhere'));
        native().mkfifo(join(d, 'fifo'), 0o600);
        native().mknod(join(d, 'null'), 0o20666, makedevNull());
      });
      await withMounted(await sn.prepare('attrs-child', 'attrs'), async (d) => {
        const st = await lstat(join(d, 'suid'));
        assert.equal(st.uid, 1000);
        assert.equal(st.gid, 1001);
        assert.equal(st.mode & 0o7777, 0o4755);
        assert.deepEqual(native().lgetxattr(join(d, 'suid'), 'security.capability'), capability());
        assert.equal(native().lgetxattr(join(d, 'suid'), 'user.note')?.toString(), 'kept');
        assert.equal((await lstat(join(d, 'sticky'))).mode & 0o7777, 0o1777);
        assert.equal(await readlink(join(d, 'link')), '../target');
        assert.equal((await lstat(join(d, 'hard'))).ino, st.ino, 'hard links stay one inode');
        assert.equal((await lstat(join(d, 'sub', 'hard-elsewhere'))).ino, st.ino, 'also across directories');
        assert.equal(st.nlink, 3);
        assert.ok((await lstat(join(d, 'fifo'))).isFIFO());
        const dev = await lstat(join(d, 'null'));
        assert.ok(dev.isCharacterDevice());
        assert.equal(dev.rdev, Number(makedevNull()));
      });
      await sn.remove('attrs-child');
      await sn.remove('attrs');
    });

    test('a long chain of layers mounts, even when lowerdir passes one page', async () => {
      const depth = fx.chainDepth ?? 120;
      let parent: string | undefined;
      for (let i = 0; i < depth; i++) {
        const name = `chain-${i}`;
        const key = `chain-key-${i}`;
        await sn.prepare(key, parent);
        // Write through the snapshot's own tree: mounting each of 120 layers would only slow the test.
        await withMounted(await sn.mounts(key), (d) => writeFile(join(d, `f${i}`), String(i)));
        await sn.commit(name, key);
        parent = name;
      }
      const mounts = await sn.prepare('chain-top', parent);
      const data = mounts[0]!.options.join(',');
      if (mounts[0]!.type === 'overlay')
        assert.ok(data.length > 4095, `lowerdir options are ${data.length} bytes`);
      await withMounted(mounts, async (d) => {
        const names = await readdir(d);
        assert.equal(names.length, depth);
        assert.equal(await readFile(join(d, 'f0'), 'utf8'), '0');
        assert.equal(await readFile(join(d, `f${depth - 1}`), 'utf8'), String(depth - 1));
      });
      await sn.remove('chain-top');
      for (let i = depth - 1; i >= 0; i--) await sn.remove(`chain-${i}`);
    });

    test('a layer written straight into layerDir (as an unpacker may) shows in its children', async () => {
      const dir = layerDir(await sn.prepare('direct', 'top'));
      assert.ok(dir, 'an active snapshot has a layer directory');
      await writeFile(join(dir, 'unpacked'), 'direct');
      await sn.commit('direct-c', 'direct');
      assert.equal(layerDir(await sn.view('direct-v', 'direct-c')), undefined, 'a view has none');
      await withMounted(await sn.mounts('direct-v'), async (d) => {
        assert.equal(await readFile(join(d, 'unpacked'), 'utf8'), 'direct');
        assert.equal(await readFile(join(d, 'added'), 'utf8'), 'top');
      });
      await sn.remove('direct-v');
      await sn.remove('direct-c');
    });

    test('a mounted snapshot is not removed', async () => {
      const mounts = await sn.prepare('busy', 'base');
      await withMounted(mounts, async () => {
        await rejectsWith(
          sn.remove('busy'),
          'FailedPrecondition',
          /^remove "busy": snapshot is mounted at "/,
        );
      });
      await sn.remove('busy');
    });

    test('concurrent prepares: distinct keys all succeed, one key succeeds once', async () => {
      const keys = Array.from({ length: 6 }, (_, i) => `par-${i}`);
      await Promise.all(keys.map((k) => sn.prepare(k, 'top')));
      const same = await Promise.allSettled([
        sn.prepare('dup', 'top'),
        sn.prepare('dup', 'top'),
        sn.prepare('dup', 'top'),
      ]);
      assert.equal(same.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of same)
        if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'AlreadyExists');
      for (const k of [...keys, 'dup']) await sn.remove(k);
    });

    test('records survive a reopen, and cleanup removes only what a crash left', async () => {
      await sn.prepare('persist', 'top', { labels: { p: '1' } });
      sn = await fx.reopen();
      const info = await sn.stat('persist');
      assert.equal(info.kind, 'active');
      assert.equal(info.parent, 'top');
      assert.deepEqual(info.labels, { p: '1' });
      const before = readdirSync(fx.dir).sort();
      // What a crash leaves: a half-prepared dir, a half-removed one, and a dir whose record never committed.
      for (const leftover of ['.new-deadbeef00000000', '.rm-99999', '99998'])
        mkdirSync(join(fx.dir, leftover, 'fs'), { recursive: true });
      assert.equal(await sn.cleanup(), 3);
      assert.deepEqual(readdirSync(fx.dir).sort(), before);
      assert.equal(await sn.cleanup(), 0);
      await sn.remove('persist');
      assert.ok(!before.some((n) => n.startsWith('.')), 'no temporary directories stay behind');
    });

    test('everything removed leaves only the database', async () => {
      const names: string[] = [];
      await sn.walk((i) => void names.push(i.name));
      // Remove leaves first: a snapshot is removable once nothing has it as parent.
      while (names.length > 0) {
        for (const n of [...names]) {
          try {
            await sn.remove(n);
            names.splice(names.indexOf(n), 1);
          } catch {
            continue;
          }
        }
      }
      const left = readdirSync(fx.dir).filter((n) => !n.startsWith('snapshots.db'));
      assert.deepEqual(left, []);
      assert.equal(existsSync(join(fx.dir, 'snapshots.db')), true);
    });
  });
}

/** A valid VFS_CAP_REVISION_2 security.capability value granting CAP_NET_BIND_SERVICE (bit 10). */
function capability(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(0x02000001, 0); // revision 2, effective flag
  b.writeUInt32LE(1 << 10, 4); // permitted[0]
  return b;
}

function makedevNull(): bigint {
  return (1n << 8n) | 3n; // 1:3, /dev/null
}
