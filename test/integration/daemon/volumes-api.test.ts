// The volume routes of berthd as the real docker CLI and berth drive them: create (names, labels,
// local driver options), ls (table, -q, --filter, --format), inspect, rm, prune (anonymous only unless
// -a), with dockerd's errors and statuses; a removed volume leaves no directory behind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessRoot } from '../runtime/harness.js';
import { startBerthd, type TestDaemon } from './harness.js';

describe('berthd volumes through the docker CLI and berth', { skip: skipUnlessRoot }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startBerthd();
  });
  after(async () => {
    await d?.stop();
  });

  for (const cli of ['docker', 'berth'] as const) {
    test(`${cli}: volume create, ls, inspect, rm as docker's`, async () => {
      const run = (args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
      const name = `data-${cli}`;
      const made = await run(['volume', 'create', '--label', 'app=web', '--label', 'flag', name]);
      assert.equal(made.code, 0, made.stderr);
      assert.equal(made.stdout, `${name}\n`);
      const again = await run(['volume', 'create', name]);
      assert.equal(again.code, 0, 'creating an existing volume returns it, as dockerd does');
      const tmpfs = await run([
        'volume',
        'create',
        '-o',
        'type=tmpfs',
        '-o',
        'device=tmpfs',
        '-o',
        'o=size=1m',
        `tmp-${cli}`,
      ]);
      assert.equal(tmpfs.code, 0, tmpfs.stderr);

      const ls = await run(['volume', 'ls']);
      assert.equal(ls.code, 0, ls.stderr);
      const lines = ls.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^DRIVER\s+VOLUME NAME$/);
      assert.ok(
        lines.some((l) => new RegExp(`^local\\s+${name}$`).test(l)),
        ls.stdout,
      );
      const quiet = await run(['volume', 'ls', '-q', '--filter', 'label=app=web']);
      assert.equal(quiet.stdout, `${name}\n`);
      const dangling = await run([
        'volume',
        'ls',
        '--filter',
        'dangling=true',
        '--format',
        '{{.Name}}:{{.Driver}}',
      ]);
      assert.ok(dangling.stdout.split('\n').includes(`${name}:local`), dangling.stdout);

      const inspect = await run(['volume', 'inspect', name]);
      assert.equal(inspect.code, 0, inspect.stderr);
      const [v] = JSON.parse(inspect.stdout) as {
        Name: string;
        Driver: string;
        Mountpoint: string;
        Labels: Record<string, string>;
        Options: unknown;
        Scope: string;
        CreatedAt: string;
      }[];
      assert.equal(v!.Name, name);
      assert.equal(v!.Driver, 'local');
      assert.equal(v!.Scope, 'local');
      assert.equal(v!.Options, null);
      assert.deepEqual(v!.Labels, { app: 'web', flag: '' });
      assert.equal(v!.Mountpoint, join(d.root, 'volumes', name, '_data'));
      assert.match(v!.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.ok(existsSync(v!.Mountpoint));
      const opts = await run(['volume', 'inspect', '-f', '{{json .Options}}', `tmp-${cli}`]);
      assert.equal(opts.stdout, '{"device":"tmpfs","o":"size=1m","type":"tmpfs"}\n');

      const rm = await run(['volume', 'rm', name, `tmp-${cli}`]);
      assert.equal(rm.code, 0, rm.stderr);
      assert.equal(rm.stdout, `${name}\ntmp-${cli}\n`);
      assert.ok(!existsSync(join(d.root, 'volumes', name)), 'the volume directory went with it');
    });

    test(`${cli}: dockerd's errors for volumes, and prune`, async () => {
      const run = (args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
      const missing = await run(['volume', 'inspect', 'nope']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Error response from daemon: get nope: no such volume/);
      const rmMissing = await run(['volume', 'rm', 'nope']);
      assert.equal(rmMissing.code, 1);
      assert.match(rmMissing.stderr, /get nope: no such volume/);
      assert.equal((await run(['volume', 'rm', '-f', 'nope'])).code, 0);
      const badName = await run(['volume', 'create', 'a/b']);
      assert.equal(badName.code, 1);
      assert.match(badName.stderr, /"a\/b" includes invalid characters for a local volume name/);
      const badOpt = await run(['volume', 'create', '-o', 'colour=red', 'x1']);
      assert.equal(badOpt.code, 1);
      assert.match(badOpt.stderr, /create x1: invalid option: "colour"/);
      const half = await run(['volume', 'create', '-o', 'type=tmpfs', 'x2']);
      assert.match(half.stderr, /create x2: missing required option: "device"/);
      const driver = await run(['volume', 'create', '-d', 'nfs-plugin', 'x3']);
      assert.match(driver.stderr, /plugin "nfs-plugin" not found/);

      const named = `keep-${cli}`;
      assert.equal((await run(['volume', 'create', named])).code, 0);
      const anon = await d.api('POST', '/volumes/create', { Labels: { 'com.docker.volume.anonymous': '' } });
      assert.equal(anon.status, 201);
      const anonName = (anon.body as { Name: string }).Name;
      const pruned = await run(['volume', 'prune', '-f']);
      assert.equal(pruned.code, 0, pruned.stderr);
      assert.match(
        pruned.stdout,
        new RegExp(`^Deleted Volumes:\\n${anonName}\\n\\nTotal reclaimed space: 0B\\n?$`),
      );
      const all = await run(['volume', 'prune', '-a', '-f']);
      assert.match(all.stdout, new RegExp(`Deleted Volumes:\\n${named}\\n`));
      assert.equal((await run(['volume', 'ls', '-q'])).stdout, '');
    });
  }

  test('API statuses: 201, 204, 404, 400', async () => {
    assert.equal((await d.api('POST', '/volumes/create', { Name: 's1' })).status, 201);
    assert.equal((await d.api('GET', '/volumes/s1')).status, 200);
    assert.equal((await d.api('GET', '/volumes?filters={"colour":["x"]}')).status, 400);
    assert.equal((await d.api('DELETE', '/volumes/s1')).status, 204);
    assert.equal((await d.api('DELETE', '/volumes/s1')).status, 404);
    assert.equal((await d.api('POST', '/volumes/create', { Name: '-x' })).status, 400);
  });

  test('volume events: create and destroy', async () => {
    const since = (Date.now() / 1000).toFixed(3);
    assert.equal((await d.api('POST', '/volumes/create', { Name: 'evented' })).status, 201);
    assert.equal((await d.api('DELETE', '/volumes/evented')).status, 204);
    const until = (Date.now() / 1000 + 0.001).toFixed(3);
    const r = await d.api(
      'GET',
      `/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"type":["volume"]}')}`,
    );
    const events = r.text
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> } },
      );
    assert.deepEqual(
      events.map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes]),
      [
        ['create', 'evented', { driver: 'local' }],
        ['destroy', 'evented', { driver: 'local' }],
      ],
    );
  });
});
