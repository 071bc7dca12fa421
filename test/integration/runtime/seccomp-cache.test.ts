// Compiled seccomp programs are kept under the runtime's --root (seccomp/cache.ts): the next container
// with the same profile skips the compile, and a cache file cut short is compiled again and replaced.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compileSeccomp, defaultSeccompProfile } from '../../../src/runtime/seccomp/index.js';
import { DOCKER_DEFAULT_CAPS } from '../../../src/oci/linux.js';
import { Bundle, skipUnlessRoot, TestRuntime } from './harness.js';
import { runInside } from './seccomp-probe.js';

describe('seccomp cache', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  before(async () => {
    rt = new TestRuntime();
    bundle = await Bundle.create();
  });
  after(async () => {
    await rt.cleanup();
    bundle.remove();
  });

  const profile = defaultSeccompProfile([...DOCKER_DEFAULT_CAPS]);
  const cached = (): string[] => readdirSync(rt.root).filter((n) => /^seccomp-[0-9a-f]{64}\.bpf$/.test(n));
  const unshareRefused = () =>
    runInside(rt, bundle, ['syscall', 'unshare', '0x20000'], (s) => (s.linux!.seccomp = profile));

  test('the program is kept after the first container, and is the compiled one', async () => {
    const r = await unshareRefused();
    assert.equal(r.stdout.trim(), 'EPERM', r.stderr);
    const files = cached();
    assert.equal(files.length, 1);
    const bytes = readFileSync(join(rt.root, files[0]!));
    const { filter, flags } = compileSeccomp(profile);
    assert.equal(bytes.readUInt32LE(0), flags);
    assert.ok(bytes.subarray(4).equals(filter));
  });

  test('a cut-short cache file is compiled again and replaced; the container is still filtered', async () => {
    const file = join(rt.root, cached()[0]!);
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, 9));
    const r = await unshareRefused();
    assert.equal(r.stdout.trim(), 'EPERM', r.stderr);
    assert.ok(readFileSync(file).equals(good));
  });
});
