// --systemd-cgroup: the `slice:prefix:name` form is validated first, then refused clearly because this
// host runs no systemd; nothing is left behind either way.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Bundle, cgroupLeft, skipUnlessRoot, TestRuntime, uniqueId } from './harness.js';

describe(
  '--systemd-cgroup',
  { skip: skipUnlessRoot || (existsSync('/run/systemd/system') && 'systemd runs here') },
  () => {
    let rt: TestRuntime;
    let b: Bundle;
    before(async () => {
      rt = new TestRuntime();
      b = await Bundle.create(['/bin/true']);
    });
    after(async () => {
      await rt.cleanup();
      b.remove();
    });

    async function create(
      cgroupsPath: string | undefined,
    ): Promise<{ code: number; stderr: string; id: string }> {
      b.spec.linux!.cgroupsPath = cgroupsPath;
      b.write();
      const id = uniqueId('sd');
      const r = await rt.runDetached(['--systemd-cgroup', 'create', '-b', b.dir, id]);
      assert.equal(existsSync(join(rt.root, id)), false, 'state left behind');
      return { ...r, id };
    }

    test('a well-formed path is refused because systemd is not running', async () => {
      const r = await create('system.slice:berth:c1');
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'runtime: --systemd-cgroup: systemd is not running on this host (cannot create unit "berth-c1.scope" in ' +
          '"system.slice"); use the default cgroupfs driver\n',
      );
      assert.equal(cgroupLeft('system.slice/berth-c1.scope'), undefined);
      const dflt = await create(undefined);
      assert.match(dflt.stderr, new RegExp(`unit "runc-${dflt.id}\\.scope" in "system\\.slice"`));
    });

    test('a malformed path is named before systemd is even looked for', async () => {
      const r = await create('/berth-test/x');
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'runtime: linux.cgroupsPath: expected "slice:prefix:name" for systemd cgroups, got "/berth-test/x"\n',
      );
      const slice = await create('docker:berth:c1');
      assert.equal(slice.stderr, 'runtime: linux.cgroupsPath: invalid slice name "docker"\n');
    });
  },
);
