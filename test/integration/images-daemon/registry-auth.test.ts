// Registries that want credentials, through berthd: Debian's docker-registry with htpasswd (Basic) and with
// a token server (Bearer). Anonymous pulls are refused clearly; `docker login` and `berth login` check the
// credentials through POST /auth and keep them in the one docker config file both read ($DOCKER_CONFIG,
// a temp dir here); pulls then send them as X-Registry-Auth; `logout` forgets them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildBusyboxImage } from '../../fixtures/image.js';
import {
  type TestRegistry,
  type TokenServer,
  startRegistry,
  startTokenServer,
} from '../../fixtures/registry.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import { pushLayout, restartableDaemon, type RestartableDaemon } from './fixtures.js';

describe('registries with credentials, through berthd', { skip: skipUnlessRoot }, () => {
  let work: string;
  let basic: TestRegistry;
  let tokens: TokenServer;
  let bearer: TestRegistry;
  let d: RestartableDaemon;
  const savedConfig = process.env.DOCKER_CONFIG;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-imgd-auth-'));
    process.env.DOCKER_CONFIG = join(work, 'docker-config'); // every CLI run below inherits it
    const image = await buildBusyboxImage(join(work, 'img'));
    const top = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: image.manifestDigest,
      size: 0,
    };
    top.size = readFileSync(join(image.layoutDir, 'blobs/sha256', image.manifestDigest.slice(7))).length;
    basic = await startRegistry({ kind: 'htpasswd', users: { alice: 's3cret' } });
    await pushLayout(`${basic.host}/private/bb:1`, image.layoutDir, top, {
      username: 'alice',
      password: 's3cret',
    });
    tokens = await startTokenServer({ users: { bob: 'hunter2' }, anonymousPull: false });
    bearer = await startRegistry({ kind: 'token', ...tokens });
    await pushLayout(`${bearer.host}/private/bb:1`, image.layoutDir, top, {
      username: 'bob',
      password: 'hunter2',
    });
    d = restartableDaemon();
    await d.start();
  });
  after(async () => {
    if (savedConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedConfig;
    await d?.remove();
    await basic?.stop();
    await bearer?.stop();
    await tokens?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('htpasswd: refused anonymously, a wrong password fails login, docker login then pull works', async () => {
    const ref = `${basic.host}/private/bb:1`;
    const anonymous = await d.docker(['pull', ref]);
    assert.equal(anonymous.code, 1);
    assert.match(
      anonymous.stderr,
      /^Error response from daemon: pull access denied for 127\.0\.0\.1:\d+\/private\/bb, repository does not exist or may require 'docker login'/,
    );
    const wrong = await d.docker(['login', '-u', 'alice', '-p', 'nope', basic.host]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /unauthorized: incorrect username or password/);
    assert.equal(
      existsSync(join(work, 'docker-config', 'config.json')),
      false,
      'nothing stored for a refused login',
    );
    const ok = await d.docker(['login', '-u', 'alice', '--password-stdin', basic.host], 's3cret\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    const pulled = await d.docker(['pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal((await d.docker(['logout', basic.host])).code, 0);
    assert.equal((await d.docker(['rmi', ref])).code, 0);
  });

  test('htpasswd: berth login stores what docker reads, and both pull with it', async () => {
    const ref = `${basic.host}/private/bb:1`;
    const login = await d.berth(['login', '-u', 'alice', '--password-stdin', basic.host], 's3cret\n');
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout, 'Login Succeeded\n');
    const config = JSON.parse(readFileSync(join(work, 'docker-config', 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    assert.equal(Buffer.from(config.auths[basic.host]!.auth, 'base64').toString(), 'alice:s3cret');
    const viaDocker = await d.docker(['pull', ref]);
    assert.equal(viaDocker.code, 0, viaDocker.stderr);
    const viaBerth = await d.berth(['pull', '-q', ref]);
    assert.equal(viaBerth.code, 0, viaBerth.stderr);
    assert.equal(viaBerth.stdout, `${ref}\n`);
    const logout = await d.berth(['logout', basic.host]);
    assert.equal(logout.stdout, `Removing login credentials for ${basic.host}\n`);
    assert.equal((await d.berth(['logout', basic.host])).stdout, `Not logged in to ${basic.host}\n`);
  });

  test('token auth: docker login, then the pull gets a token for the user with the pull scope', async () => {
    const ref = `${bearer.host}/private/bb:1`;
    const anonymous = await d.berth(['pull', ref]);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /^Error response from daemon: pull access denied/);
    const login = await d.docker(['login', '-u', 'bob', '--password-stdin', bearer.host], 'hunter2\n');
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    const pulled = await d.berth(['pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(
      tokens.requests.some((r) => r.user === 'bob' && r.scopes.includes('repository:private/bb:pull')),
      JSON.stringify(tokens.requests),
    );
    const inspect = await d.docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
    assert.equal(inspect.code, 0, inspect.stderr);
  });
});
