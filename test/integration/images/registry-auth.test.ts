// Authentication against real registries: docker-registry with htpasswd (Basic), and docker-registry in
// token mode with a token server written in the test (Bearer: anonymous pull, credentials for push,
// tokens cached and refreshed per scope); credentials from a docker config.json.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DockerConfigCredentials,
  LayoutStore,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  pull,
  push,
  verifyLogin,
} from '../../../src/images/registry/index.js';
import { startBlobStorage, startFaultyProxy } from '../../fixtures/faulty-servers.js';
import { type BuiltImage, writeImage } from '../../fixtures/oci-images.js';
import {
  type TestRegistry,
  type TokenServer,
  startRegistry,
  startTokenServer,
} from '../../fixtures/registry.js';

let work: string;
let image: BuiltImage;
let source: LayoutStore;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-reg-auth-'));
  image = writeImage(join(work, 'img'), [
    { entries: [{ type: 'file', path: 'a', data: Buffer.from('layer one') }] },
    { entries: [{ type: 'file', path: 'b', data: Buffer.from('layer two') }], compression: 'zstd' },
  ]);
  source = await LayoutStore.open(join(work, 'img'));
});
after(() => {
  closeConnections();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
async function sink(): Promise<LayoutStore> {
  return LayoutStore.open(join(work, `sink-${n++}`));
}

describe('basic auth (htpasswd)', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry({ kind: 'htpasswd', users: { alice: 's3cret' } });
  });
  after(() => reg?.stop());

  it('pushes and pulls with an explicit credential', async () => {
    const c = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'alice', password: 's3cret' } }),
    });
    await push(c, `${reg.host}/private/img:1`, image.manifest, { source });
    const r = await pull(c, `${reg.host}/private/img:1`, { sink: await sink() });
    assert.equal(r.target.digest, image.manifest.digest);
  });

  it('verifies a login, and refuses a wrong one', async () => {
    const good = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'alice', password: 's3cret' } }),
    });
    await verifyLogin(good, reg.host);
    const bad = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'alice', password: 'x' } }),
    });
    await assert.rejects(verifyLogin(bad, reg.host), {
      code: 'PermissionDenied',
      message: `login "${reg.host}": unauthorized: incorrect username or password`,
    });
  });

  it('follows redirects to blob storage without sending the credentials there', async () => {
    const storage = await startBlobStorage(join(work, 'img'));
    const front = await startFaultyProxy(reg.host, { redirectBlobsTo: `http://${storage.host}` });
    try {
      const c = new RegistryClient({
        credentials: new StaticCredentials({ [front.host]: { username: 'alice', password: 's3cret' } }),
      });
      const r = await pull(c, `${front.host}/private/img:1`, { sink: await sink() });
      assert.equal(r.layers.length, 2);
      assert.equal(storage.authorizations.length, 3, 'config and two layers came from storage');
      assert.deepEqual(
        storage.authorizations,
        [undefined, undefined, undefined],
        'no Authorization left the registry',
      );
      assert.ok(front.seen.filter((s) => s.status === 307).length === 3);
    } finally {
      await front.stop();
      await storage.stop();
    }
  });

  it('reads credentials from a docker config.json (auths with base64 auth)', async () => {
    const file = join(work, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        auths: { [`http://${reg.host}/v2/`]: { auth: Buffer.from('alice:s3cret').toString('base64') } },
      }),
    );
    const c = new RegistryClient({ credentials: new DockerConfigCredentials(file) });
    const r = await pull(c, `${reg.host}/private/img:1`, { sink: await sink() });
    assert.equal(r.layers.length, 2);
  });

  it('refuses without credentials, with a wrong password, and with a credential helper', async () => {
    const anon = new RegistryClient({ credentials: new StaticCredentials() });
    await assert.rejects(pull(anon, `${reg.host}/private/img:1`, { sink: await sink() }), {
      code: 'PermissionDenied',
      message: `pull "${reg.host}/private/img:1": manifest "1": authentication required`,
    });
    const wrong = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'alice', password: 'nope' } }),
    });
    await assert.rejects(pull(wrong, `${reg.host}/private/img:1`, { sink: await sink() }), {
      code: 'PermissionDenied',
      message: `pull "${reg.host}/private/img:1": manifest "1": authentication required`,
    });
    const file = join(work, 'helper.json');
    writeFileSync(
      file,
      JSON.stringify({ auths: { [reg.host]: {} }, credHelpers: { [reg.host]: 'secretservice' } }),
    );
    const helper = new RegistryClient({ credentials: new DockerConfigCredentials(file) });
    await assert.rejects(pull(helper, `${reg.host}/private/img:1`, { sink: await sink() }), {
      code: 'FailedPrecondition',
      message: `pull "${reg.host}/private/img:1": credentials for "${reg.host}": docker config "${file}" names credential helper "docker-credential-secretservice", which berth does not run; use "berth login" or an "auths" entry`,
    });
  });
});

describe('token auth (Bearer)', () => {
  let tokens: TokenServer;
  let reg: TestRegistry;
  before(async () => {
    tokens = await startTokenServer({
      users: { bob: 'pw' },
      anonymousPull: true,
      refreshTokens: { 'refresh-123': 'bob' },
    });
    reg = await startRegistry({
      kind: 'token',
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      certFile: tokens.certFile,
    });
  });
  after(async () => {
    await reg?.stop();
    await tokens?.stop();
  });

  it('gets a push token with credentials, and pulls anonymously with a cached pull token', async () => {
    const bob = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'bob', password: 'pw' } }),
    });
    await push(bob, `${reg.host}/team/app:v1`, image.manifest, { source });
    const pushReq = tokens.requests.find((r) => r.user === 'bob');
    assert.deepEqual(pushReq, {
      service: tokens.service,
      scopes: ['repository:team/app:pull,push'],
      user: 'bob',
    });

    const before = tokens.requests.length;
    const anon = new RegistryClient({ credentials: new StaticCredentials() });
    const r = await pull(anon, `${reg.host}/team/app:v1`, { sink: await sink() });
    assert.equal(r.target.digest, image.manifest.digest);
    const pulls = tokens.requests.slice(before);
    assert.deepEqual(
      pulls,
      [{ service: tokens.service, scopes: ['repository:team/app:pull'], user: null }],
      'one token for the whole pull',
    );

    // Another repository is another scope: a new token.
    await push(bob, `${reg.host}/team/other:v1`, image.manifest, { source, mountFrom: ['team/app'] });
    assert.deepEqual(tokens.requests.at(-1)?.scopes, [
      'repository:team/other:pull,push',
      'repository:team/app:pull',
    ]);
    const r2 = await pull(anon, `${reg.host}/team/other:v1`, { sink: await sink() });
    assert.equal(r2.layers.length, 2);
    assert.deepEqual(tokens.requests.at(-1), {
      service: tokens.service,
      scopes: ['repository:team/other:pull'],
      user: null,
    });
  });

  it('verifies a login through the token server', async () => {
    const good = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'bob', password: 'pw' } }),
    });
    await verifyLogin(good, reg.host);
    assert.deepEqual(tokens.requests.at(-1), { service: tokens.service, scopes: [], user: 'bob' });
    const bad = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'bob', password: 'no' } }),
    });
    await assert.rejects(verifyLogin(bad, reg.host), {
      code: 'PermissionDenied',
      message: `login "${reg.host}": registry "${reg.host}": token server "${tokens.realm}" refused the credentials (status 401)`,
    });
  });

  it('trades an identitytoken from the docker config for access tokens (OAuth2 refresh grant)', async () => {
    const file = join(work, 'identity.json');
    writeFileSync(file, JSON.stringify({ auths: { [reg.host]: { identitytoken: 'refresh-123' } } }));
    const c = new RegistryClient({ credentials: new DockerConfigCredentials(file) });
    await push(c, `${reg.host}/team/oauth:v1`, image.manifest, { source });
    assert.deepEqual(tokens.requests.at(-1), {
      service: tokens.service,
      scopes: ['repository:team/oauth:pull,push'],
      user: 'bob',
    });
    writeFileSync(file, JSON.stringify({ auths: { [reg.host]: { identitytoken: 'stale' } } }));
    const stale = new RegistryClient({ credentials: new DockerConfigCredentials(file) });
    await assert.rejects(push(stale, `${reg.host}/team/oauth:v2`, image.manifest, { source }), {
      code: 'PermissionDenied',
    });
  });

  it('fetches a new token when the cached one has expired', async () => {
    const short = await startTokenServer({ users: {}, anonymousPull: true, expiresIn: 3 });
    const reg2 = await startRegistry({
      kind: 'token',
      realm: short.realm,
      service: short.service,
      issuer: short.issuer,
      certFile: short.certFile,
    });
    try {
      // Anonymous pulls of a repository the registry does not have: each needs a pull token first.
      const bobless = new RegistryClient({ credentials: new StaticCredentials() });
      await assert.rejects(pull(bobless, `${reg2.host}/nothing/here:1`, { sink: await sink() }), {
        code: 'NotFound',
      });
      const first = short.requests.length;
      assert.equal(first, 1);
      await assert.rejects(pull(bobless, `${reg2.host}/nothing/here:1`, { sink: await sink() }), {
        code: 'NotFound',
      });
      assert.equal(short.requests.length, 1, 'the cached token is reused while it is valid');
      await new Promise((r) => setTimeout(r, 3100)); // past expires_in (3 s): the cache must not serve it
      await assert.rejects(pull(bobless, `${reg2.host}/nothing/here:1`, { sink: await sink() }), {
        code: 'NotFound',
      });
      assert.equal(short.requests.length, 2, 'a fresh token after expiry');
    } finally {
      await reg2.stop();
      await short.stop();
    }
  });

  it('refuses an anonymous push and a wrong password with clear errors', async () => {
    const anon = new RegistryClient({ credentials: new StaticCredentials() });
    await assert.rejects(push(anon, `${reg.host}/team/app:v2`, image.manifest, { source }), {
      code: 'PermissionDenied',
      // The blobs are there (HEAD needs only pull), so the manifest PUT is what is refused.
      message: `push "${reg.host}/team/app:v2": manifest "${image.manifest.digest}": authentication required`,
    });
    const wrong = new RegistryClient({
      credentials: new StaticCredentials({ [reg.host]: { username: 'bob', password: 'bad' } }),
    });
    await assert.rejects(pull(wrong, `${reg.host}/team/app:v1`, { sink: await sink() }), {
      code: 'PermissionDenied',
      message: `pull "${reg.host}/team/app:v1": registry "${reg.host}": token server "${tokens.realm}" refused the credentials (status 401)`,
    });
  });
});
