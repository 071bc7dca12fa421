// What only the overlay snapshotter does: overlay-form whiteouts and opaque directories written straight
// into a layer hide the parents' files, overlayfs's layer limit is refused clearly, the support check
// tells an overlay root apart, and openSnapshotter falls back to native there.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { withMounts } from './with-mounts.js';
import { native } from '../../../src/base/native.js';
import {
  checkOverlaySupport,
  layerDir,
  mountAll,
  openSnapshotter,
  OverlaySnapshotter,
  OVERLAY_MAX_LAYERS,
  unmountAll,
} from '../../../src/snapshots/index.js';

const skip = process.getuid?.() === 0 ? false : 'needs root (overlay mounts)';
const root = mkdtempSync(join(tmpdir(), 'berth-overlay-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('overlay snapshotter', { skip }, () => {
  test('whiteouts and opaque directories in a layer hide what the parents have', async () => {
    const sn = await OverlaySnapshotter.open(join(root, 'wh'));
    try {
      const base = layerDir(await sn.prepare('base-key'))!;
      await writeFile(join(base, 'gone'), 'x');
      await writeFile(join(base, 'kept'), 'x');
      await mkdir(join(base, 'opaque'));
      await writeFile(join(base, 'opaque', 'old'), 'x');
      await sn.commit('base', 'base-key');
      const upper = layerDir(await sn.prepare('top-key', 'base'))!;
      native().mknod(join(upper, 'gone'), 0o20000, 0); // a whiteout: a 0:0 character device
      await mkdir(join(upper, 'opaque'));
      native().lsetxattr(join(upper, 'opaque'), 'trusted.overlay.opaque', Buffer.from('y'), 0);
      await writeFile(join(upper, 'opaque', 'new'), 'x');
      await sn.commit('top', 'top-key');
      await sn.view('v', 'top');
      await withMounts(await sn.mounts('v'), async (d) => {
        assert.deepEqual((await readdir(d)).sort(), ['kept', 'opaque']);
        assert.deepEqual(await readdir(join(d, 'opaque')), ['new']);
      });
      for (const k of ['v', 'top', 'base']) await sn.remove(k);
    } finally {
      await sn.close();
    }
  });

  test(`more parents than overlayfs stacks (${OVERLAY_MAX_LAYERS - 1}) are refused at prepare`, async () => {
    const sn = new OverlaySnapshotter(join(root, 'deep'));
    try {
      let parent: string | undefined;
      for (let i = 0; i < OVERLAY_MAX_LAYERS; i++) {
        await sn.prepare(`k${i}`, parent);
        await sn.commit(`c${i}`, `k${i}`);
        parent = `c${i}`;
      }
      await assert.rejects(sn.prepare('too-deep', parent), {
        code: 'FailedPrecondition',
        message: `prepare "too-deep": ${OVERLAY_MAX_LAYERS} parent layers, more than overlayfs stacks (${OVERLAY_MAX_LAYERS - 1})`,
      });
      await sn.prepare('deepest-allowed', `c${OVERLAY_MAX_LAYERS - 2}`);
      await sn.remove('deepest-allowed');
      for (let i = OVERLAY_MAX_LAYERS - 1; i >= 0; i--) await sn.remove(`c${i}`);
    } finally {
      await sn.close();
    }
  });

  test('the support check and openSnapshotter: overlay here, native on an overlay root', async () => {
    assert.deepEqual(await checkOverlaySupport(join(root, 'check')), { supported: true });
    const here = await openSnapshotter(join(root, 'auto'));
    assert.equal(here.name, 'overlay');
    await here.snapshotter.close();
    const forced = await openSnapshotter(join(root, 'forced'), 'native');
    assert.equal(forced.name, 'native');
    await forced.snapshotter.close();

    // A Berth root inside an overlay mount (Berth in a container): overlay cannot be used there.
    const base = join(root, 'ovl');
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(base, d), { recursive: true });
    const merged = join(base, 'merged');
    mountAll(
      [
        {
          type: 'overlay',
          source: 'overlay',
          options: [`lowerdir=${base}/lower`, `upperdir=${base}/upper`, `workdir=${base}/work`],
        },
      ],
      merged,
    );
    try {
      const inside = join(merged, 'berth');
      const support = await checkOverlaySupport(inside);
      assert.deepEqual(support, {
        supported: false,
        reason: `"${inside}" is on overlayfs, which cannot hold overlay upper layers`,
      });
      const fallback = await openSnapshotter(inside);
      await fallback.snapshotter.close();
      assert.equal(fallback.name, 'native');
      const dir = join(inside, 'snapshots', 'overlay');
      assert.equal(
        fallback.fallbackReason,
        `"${dir}" is on overlayfs, which cannot hold overlay upper layers`,
      );
      await assert.rejects(OverlaySnapshotter.open(join(inside, 'snapshots', 'overlay')), {
        code: 'FailedPrecondition',
        message: `overlay snapshotter "${dir}": "${dir}" is on overlayfs, which cannot hold overlay upper layers`,
      });
    } finally {
      unmountAll(merged);
    }
  });
});
