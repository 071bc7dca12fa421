// `system prune` against berthd through the docker CLI and berth: stopped containers, unused networks,
// (with --volumes) unused anonymous volumes and dangling images go, each listed as docker lists them;
// what is in use, a named volume and a tagged image stay.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { skipUnlessRoot } from '../integration/runtime/harness.js';
import { cleanupDaemon, startContainersDaemon } from '../integration/containers/harness.js';
import type { TestDaemon } from '../integration/daemon/harness.js';

const CLIENTS = [
  { name: 'docker', skip: existsSync('/usr/local/bin/docker') ? false : 'the docker CLI is not installed' },
  { name: 'berth', skip: false },
] as const;

for (const client of CLIENTS) {
  describe(`${client.name}: system prune on berthd`, { skip: skipUnlessRoot || client.skip }, () => {
    let d: TestDaemon;
    const cli = (args: string[]) => (client.name === 'docker' ? d.docker(args) : d.berth(args));
    const ok = async (...args: string[]): Promise<string> => {
      const r = await cli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    before(async () => {
      d = await startContainersDaemon();
    });
    after(async () => {
      assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
    });

    test('removes what nothing uses and lists it; keeps the rest', async () => {
      const stopped = (await ok('create', '-v', '/scratch', 'busybox', 'true')).trim();
      const anonymous = JSON.parse(await ok('inspect', '--format', '{{json .Mounts}}', stopped)) as {
        Name: string;
      }[];
      await ok('rm', stopped); // its anonymous volume stays behind: rm without -v
      const running = (await ok('run', '-d', 'busybox', 'sleep', '600')).trim();
      const exited = (await ok('run', '-d', 'busybox', 'true')).trim();
      await ok('wait', exited);
      await ok('network', 'create', `unused-${client.name}`);
      await ok('volume', 'create', `named-${client.name}`);

      const cancelled = await cli(['system', 'prune', '--volumes']);
      assert.equal(cancelled.code, 0);
      assert.match(cancelled.stdout, /^WARNING! This will remove:\n {2}- all stopped containers\n/);
      assert.match(cancelled.stdout, / {2}- all anonymous volumes not used by at least one container\n/);
      assert.match(cancelled.stdout, /Are you sure you want to continue\? \[y\/N\] $/);
      assert.match(await ok('ps', '-aq', '--no-trunc'), new RegExp(exited));

      const out = await ok('system', 'prune', '-f', '--volumes');
      assert.match(out, new RegExp(`^Deleted Containers:\\n${exited}\\n\\n`));
      assert.match(out, new RegExp(`\\nDeleted Networks:\\nunused-${client.name}\\n\\n`));
      assert.match(out, new RegExp(`\\nDeleted Volumes:\\n${anonymous[0]!.Name}\\n\\n`));
      assert.match(out, /\nTotal reclaimed space: \S+\n$/);
      assert.equal((await ok('ps', '-aq', '--no-trunc')).trim(), running);
      assert.match(await ok('volume', 'ls', '-q'), new RegExp(`^named-${client.name}\n$`));
      assert.match(await ok('images', '--format', '{{.Repository}}'), /^busybox\n$/);
      await ok('rm', '-f', running);
      await ok('volume', 'rm', `named-${client.name}`);
    });
  });
}
