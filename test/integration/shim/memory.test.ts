// What an idle shim costs: VmRSS per shim (the goal is about 1 MB; the bound here is generous, the
// figures are bench/shim.ts's job), and no growth while idle or across attach/detach cycles.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { skipUnlessRoot } from '../runtime/harness.js';
import { ShimTest } from './harness.js';

const IDLE_SHIMS = 5;
const RSS_BOUND_KB = 2048;

/** Fields of /proc/<pid>/status in kB. */
function status(pid: number): { rss: number; anon: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)![1]);
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}

describe('shim memory', { skip: skipUnlessRoot, timeout: 60_000 }, () => {
  let t: ShimTest;
  before(() => {
    t = new ShimTest();
  });
  after(async () => {
    await t.cleanup();
  });

  test(`an idle shim stays under ${RSS_BOUND_KB} kB RSS and does not grow`, async (ctx) => {
    const shims: number[] = [];
    for (let i = 0; i < IDLE_SHIMS; i++) {
      const id = await t.run(['/bin/sh', '-c', 'echo started; exec sleep 1000'], { log: 'cri', stdin: true });
      shims.push((await t.manager.state(id)).record.shimPid);
      // Attach and detach a few times: buffers a client needed must not stay behind.
      for (let k = 0; k < 5; k++) (await t.manager.attach(id, { stdin: true, stdout: true })).close();
    }
    await new Promise((r) => setTimeout(r, 200));
    const first = shims.map(status);
    await new Promise((r) => setTimeout(r, 1000));
    const second = shims.map(status);
    ctx.diagnostic(`VmRSS of idle shims (kB): ${first.map((s) => s.rss).join(', ')}`);
    ctx.diagnostic(`RssAnon (kB): ${first.map((s) => s.anon).join(', ')}`);
    for (const [i, s] of first.entries()) {
      assert.ok(s.rss <= RSS_BOUND_KB, `shim ${shims[i]}: VmRSS ${s.rss} kB`);
      assert.equal(second[i]!.rss, s.rss, `shim ${shims[i]} grew while idle`);
    }
  });
});
