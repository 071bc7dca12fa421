// Volumes of containers on berthd, driven by the real docker CLI and by berth: a named volume outlives
// its container and gets the image's content copied up when empty; an anonymous volume (-v /path) goes
// with `rm -v`; a volume in use cannot be removed (dockerd's 409 message); --mount type=volume, bind and
// tmpfs; --volumes-from; a tmpfs volume of the local driver is mounted when a container uses it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessRoot } from '../integration/runtime/harness.js';
import { cleanupDaemon, startContainersDaemon } from '../integration/containers/harness.js';
import type { TestDaemon } from '../integration/daemon/harness.js';

const CLIENTS = [
  { name: 'docker', skip: existsSync('/usr/local/bin/docker') ? false : 'the docker CLI is not installed' },
  { name: 'berth', skip: false },
] as const;

for (const client of CLIENTS) {
  describe(
    `${client.name}: volumes of containers on berthd`,
    { skip: skipUnlessRoot || client.skip, timeout: 240_000 },
    () => {
      let d: TestDaemon;
      const host = mkdtempSync(join(tmpdir(), 'berth-bind-'));
      const cli = (args: string[]) => (client.name === 'docker' ? d.docker(args) : d.berth(args));
      const ok = async (args: string[]): Promise<string> => {
        const r = await cli(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      before(async () => {
        d = await startContainersDaemon();
      });
      after(async () => {
        assert.deepEqual(await cleanupDaemon(d), { mounts: [], shims: [] });
        rmSync(host, { recursive: true, force: true });
      });

      test('a named volume outlives its container, with the image content copied up', async () => {
        const since = (Date.now() / 1000).toFixed(3);
        await ok([
          'run',
          '--name',
          'writer',
          '-v',
          'keep:/etc',
          'busybox',
          'sh',
          '-c',
          'echo kept > /etc/mark',
        ]);
        const until = (Date.now() / 1000 + 0.001).toFixed(3);
        const events = await d.api(
          'GET',
          `/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"type":["volume"]}')}`,
        );
        assert.deepEqual(
          events.text
            .trim()
            .split('\n')
            .map((l) => (JSON.parse(l) as { Action: string; Actor: { ID: string } }).Action),
          ['create', 'mount', 'unmount'],
        );
        const busy = await cli(['volume', 'rm', 'keep']);
        assert.equal(busy.code, 1);
        const id = (await ok(['inspect', '-f', '{{.Id}}', 'writer'])).trim();
        assert.match(busy.stderr, new RegExp(`remove keep: volume is in use - \\[${id}\\]`));
        const df = await ok(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}']);
        assert.match(df, /^Local Volumes 1 1$/m, df);
        await ok(['rm', '-v', 'writer']);
        const read = await ok([
          'run',
          '--rm',
          '-v',
          'keep:/data',
          'busybox',
          'sh',
          '-c',
          'cat /data/mark; test -f /data/passwd && echo copied',
        ]);
        assert.equal(
          read,
          'kept\ncopied\n',
          "the image's /etc was copied into the empty volume, and the write kept",
        );
        const inspect = JSON.parse(await ok(['volume', 'inspect', 'keep']))[0] as { Mountpoint: string };
        assert.ok(existsSync(join(inspect.Mountpoint, 'mark')));
        await ok(['volume', 'rm', 'keep']);
      });

      test('an anonymous volume goes with rm -v; without -v it stays', async () => {
        await ok(['run', '--name', 'anon', '-v', '/scratch', 'busybox', 'true']);
        const name = (await ok(['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', 'anon'])).trim();
        assert.match(name, /^[0-9a-f]{64}$/);
        const labels = await ok(['volume', 'inspect', '-f', '{{json .Labels}}', name]);
        assert.equal(labels, '{"com.docker.volume.anonymous":""}\n');
        await ok(['rm', '-v', 'anon']);
        assert.equal((await cli(['volume', 'inspect', name])).code, 1, 'removed with its container');
        await ok(['run', '--name', 'anon2', '-v', '/scratch', 'busybox', 'true']);
        const kept = (await ok(['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', 'anon2'])).trim();
        await ok(['rm', 'anon2']);
        assert.equal((await cli(['volume', 'inspect', kept])).code, 0, 'kept without -v');
        const pruned = await ok(['volume', 'prune', '-f']);
        assert.match(pruned, new RegExp(kept));
      });

      test('--mount volume, bind (ro) and tmpfs; --volumes-from', async () => {
        writeFileSync(join(host, 'hello'), 'from host\n');
        await ok([
          'run',
          '-d',
          '--name',
          'src',
          '--mount',
          'type=volume,source=shared,target=/shared',
          '--mount',
          `type=bind,source=${host},target=/host,readonly`,
          '--mount',
          'type=tmpfs,target=/fast,tmpfs-size=1048576',
          'busybox',
          'sh',
          '-c',
          'echo from src > /shared/f; exec sleep 600',
        ]);
        const mounts = await ok([
          'exec',
          'src',
          'sh',
          '-c',
          'cat /host/hello; grep " /fast " /proc/mounts; touch /host/x 2>&1 || echo ro',
        ]);
        assert.match(mounts, /^from host\n/);
        assert.match(mounts, /tmpfs \/fast tmpfs .*size=1024k/);
        assert.match(mounts, /ro\n$/);
        const from = await ok([
          'run',
          '--rm',
          '--volumes-from',
          'src:ro',
          'busybox',
          'sh',
          '-c',
          'cat /shared/f /host/hello; touch /shared/y 2>/dev/null || echo ro',
        ]);
        assert.equal(from, 'from src\nfrom host\nro\n');
        await ok(['rm', '-f', 'src']);
        await ok(['volume', 'rm', 'shared']);
      });

      test('a tmpfs volume of the local driver is mounted while a container uses it', async () => {
        await ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', 'ram']);
        const r = await ok([
          'run',
          '--rm',
          '-v',
          'ram:/ram',
          'busybox',
          'sh',
          '-c',
          'grep " /ram " /proc/mounts',
        ]);
        assert.match(r, /^tmpfs \/ram tmpfs .*size=2048k/);
        const mp = JSON.parse(await ok(['volume', 'inspect', 'ram']))[0] as { Mountpoint: string };
        const mounted = (await import('node:fs'))
          .readFileSync('/proc/self/mountinfo', 'utf8')
          .includes(` ${mp.Mountpoint} `);
        assert.equal(mounted, false, 'unmounted once no container uses it');
        await ok(['volume', 'rm', 'ram']);
      });
    },
  );
}
