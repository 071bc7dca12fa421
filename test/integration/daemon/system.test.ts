// berthd's first slice: the socket it serves, API version negotiation, /_ping, /version and /info, as the
// berth CLI and the real docker CLI see them; config mistakes and a second daemon refused clearly.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exec, skipUnlessRoot } from '../runtime/harness.js';
import { BERTH, BERTHD, startBerthd, type TestDaemon } from './harness.js';

describe('berthd system routes', { skip: skipUnlessRoot }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startBerthd();
  });
  after(async () => {
    await d.stop();
  });

  test('the socket is 0660 and root-owned; the pid file holds the daemon pid', () => {
    const st = statSync(d.socket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.uid, 0);
    assert.equal(st.gid, 0);
  });

  test('/_ping answers OK with the headers clients negotiate from, also for HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await d.api(method, '/_ping');
      assert.equal(r.status, 200);
      assert.equal(r.headers['api-version'], '1.55');
      assert.equal(r.headers['ostype'], 'linux');
      assert.equal(r.headers['docker-experimental'], 'false');
      assert.equal(r.text, method === 'GET' ? 'OK' : '');
    }
  });

  test('versioned paths: older versions answer, a newer or too old one is a 400 naming the limit', async () => {
    assert.equal((await d.api('GET', '/v1.41/version')).status, 200);
    const tooNew = await d.api('GET', '/v1.99/version');
    assert.equal(tooNew.status, 400);
    assert.deepEqual(tooNew.body, {
      message: 'client version 1.99 is too new. Maximum supported API version is 1.55',
    });
    const tooOld = await d.api('GET', '/v1.12/info');
    assert.equal(tooOld.status, 400);
    assert.match((tooOld.body as { message: string }).message, /^client version 1.12 is too old/);
  });

  test('an unknown route is a 404 and a wrong method a 405, both with a JSON message', async () => {
    const missing = await d.api('GET', '/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { message: 'page not found' });
    const wrong = await d.api('DELETE', '/version');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers['allow'], 'GET');
  });

  test('/version and /info', async () => {
    const v = (await d.api('GET', '/version')).body as Record<string, unknown>;
    assert.equal(v.ApiVersion, '1.55');
    assert.equal(v.MinAPIVersion, '1.24');
    assert.equal(v.Os, 'linux');
    const info = (await d.api('GET', '/info')).body as Record<string, unknown>;
    assert.equal(info.DockerRootDir, d.root);
    assert.equal(info.OSType, 'linux');
    assert.equal(info.DefaultRuntime, 'berth');
    assert.equal(info.CgroupDriver, 'cgroupfs');
    assert.match(String(info.ID), /^[0-9a-f-]{36}$/);
  });

  test('the real docker CLI talks to berthd: version negotiates, info prints', async () => {
    const v = await d.docker(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), '1.55 linux');
    const info = await d.docker(['info', '--format', '{{.DockerRootDir}} {{.DefaultRuntime}}']);
    assert.equal(info.code, 0, info.stderr);
    assert.equal(info.stdout.trim(), `${d.root} berth`);
  });

  test('the berth CLI: version and info', async () => {
    const v = await d.berth(['version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^Client:\n Version: +0\.1\.0\n/);
    assert.match(
      v.stdout,
      /\nServer: Berth\n Engine:\n {2}Version: +0\.1\.0\n {2}API version: +1\.55 \(minimum version 1\.24\)\n/,
    );
    const info = await d.berth(['info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`\\n Docker Root Dir: ${d.root}\\n`));
    assert.match(info.stdout, /\n Live Restore Enabled: true\n/);
  });

  test('a second berthd on the same pid file and socket is refused, and the first keeps serving', async () => {
    const r = await exec(BERTHD, [
      '--data-root',
      d.root,
      '--exec-root',
      d.state,
      '-H',
      d.host,
      '-p',
      d.pidfile,
      '--config-file',
      join(d.dir, 'daemon.json'),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berthd: pid file ".*" names a running berthd \(pid \d+\)/);
    assert.equal((await d.api('GET', '/_ping')).status, 200);
  });
});

describe('berthd configuration and lifecycle', { skip: skipUnlessRoot }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const berthd = (config: string, ...flags: string[]) => {
    const file = join(dir, 'daemon.json');
    writeFileSync(file, config);
    return exec(BERTHD, [
      '--data-root',
      join(dir, 'root'),
      '--exec-root',
      join(dir, 'run'),
      '-H',
      `unix://${join(dir, 'run', 's.sock')}`,
      '-p',
      join(dir, 'run', 'pid'),
      '--config-file',
      file,
      ...flags,
    ]);
  };

  test('an unknown key, a bad value, a flag given twice: each named, nothing left running', async () => {
    let r = await berthd('{"data-rot": "/x"}');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the following directives don't match any configuration option: data-rot\n$/);
    r = await berthd('{"debug": "yes"}');
    assert.match(r.stderr, /"debug" must be true or false\n$/);
    r = await berthd('{"pidfile": "/tmp/x"}');
    assert.match(r.stderr, /specified both as a flag and in the configuration file: pidfile\n$/);
    r = await berthd('{"default-runtime": "crun"}');
    assert.match(r.stderr, /default-runtime: no runtime named "crun"\n$/);
    r = await berthd('{}', '--add-runtime', 'nopath');
    assert.match(r.stderr, /--add-runtime: "nopath" is not name=path\n$/);
    r = await berthd('{}', '--bogus');
    assert.equal(r.stderr, 'berthd: unknown flag: --bogus\n');
    assert.equal(existsSync(join(dir, 'run', 's.sock')), false);
  });

  test('SIGTERM removes the socket and the pid file', async () => {
    const d = await startBerthd();
    d.child.kill('SIGTERM');
    await new Promise((r) => d.child.once('exit', r));
    assert.equal(d.child.exitCode, 0, d.log());
    assert.equal(existsSync(d.socket), false);
    assert.equal(existsSync(d.pidfile), false);
    await d.stop();
  });

  test('the CLI without a daemon says how to start one', async () => {
    const r = await exec(BERTH, ['-H', `unix://${join(dir, 'absent.sock')}`, 'info'], {});
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `Cannot connect to the Berth daemon at unix://${join(dir, 'absent.sock')}. Is berthd running? Start it with: sudo berthd &\n`,
    );
  });

  test('CLI usage errors exit 125 with a pointer to --help', async () => {
    const r = await exec(BERTH, ['version', '--nope']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, "unknown flag: --nope\nSee 'berth version --help'.\n");
    const extra = await exec(BERTH, ['info', 'x']);
    assert.equal(extra.code, 125);
    assert.equal(extra.stderr, `"berth info" accepts no arguments.\nSee 'berth info --help'.\n`);
    const unknown = await exec(BERTH, ['frobnicate']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "berth: 'frobnicate' is not a berth command.\nSee 'berth --help'\n");
  });
});
