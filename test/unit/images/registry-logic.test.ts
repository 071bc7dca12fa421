// The registry client's pure parts: WWW-Authenticate parsing, docker config credentials, host endpoints,
// platform matching, manifest parsing (schema 1 refused), backoff.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseChallenge } from '../../../src/images/registry/auth.js';
import {
  DockerConfigCredentials,
  StaticCredentials,
  keyToHost,
} from '../../../src/images/registry/credentials.js';
import { endpointsFor, isLoopback } from '../../../src/images/registry/hosts.js';
import { DEFAULT_RETRY, backoffMs } from '../../../src/images/registry/http.js';
import { parseManifest } from '../../../src/images/registry/manifest.js';
import { normalizePlatform, parsePlatform, selectPlatform } from '../../../src/images/registry/platform.js';
import type { Descriptor } from '../../../src/images/registry/types.js';

const D = (c: string): string => `sha256:${c.repeat(64)}`;

describe('parseChallenge', () => {
  it('reads Bearer realm, service and a scope holding commas', () => {
    assert.deepEqual(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      ),
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:samalba/my-app:pull,push',
        },
      },
    );
  });
  it('reads Basic, unquoted values and escapes', () => {
    assert.deepEqual(parseChallenge('Basic realm="a \\"b\\""'), {
      scheme: 'basic',
      params: { realm: 'a "b"' },
    });
    assert.deepEqual(parseChallenge('bearer realm=http://x/t, error=insufficient_scope'), {
      scheme: 'bearer',
      params: { realm: 'http://x/t', error: 'insufficient_scope' },
    });
    assert.equal(parseChallenge('Negotiate abc'), undefined);
  });
});

describe('credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-creds-'));
  const file = (content: unknown): string => {
    const p = join(dir, `${Math.random()}.json`);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  it('finds docker.io under index.docker.io/v1/ and decodes base64 auth', () => {
    const c = new DockerConfigCredentials(
      file({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p:q').toString('base64') } } }),
    );
    assert.deepEqual(c.get('docker.io'), { username: 'u', password: 'p:q' });
    assert.equal(c.get('quay.io'), undefined);
  });
  it('reads username/password and identity tokens, and keys with schemes and paths', () => {
    const c = new DockerConfigCredentials(
      file({
        auths: { 'http://reg:5000/v2/': { username: 'a', password: 'b' }, other: { identitytoken: 't' } },
      }),
    );
    assert.deepEqual(c.get('reg:5000'), { username: 'a', password: 'b' });
    assert.deepEqual(c.get('other'), { identityToken: 't' });
    assert.equal(keyToHost('https://reg:5000/v1/'), 'reg:5000');
  });
  it('refuses credential helpers and broken files by name', () => {
    const p = file({ credsStore: 'desktop', auths: { 'https://index.docker.io/v1/': {} } });
    assert.throws(() => new DockerConfigCredentials(p).get('docker.io'), {
      code: 'FailedPrecondition',
      message: `credentials for "docker.io": docker config "${p}" names credential helper "docker-credential-desktop", which berth does not run; use "berth login" or an "auths" entry`,
    });
    const bad = file('{nope');
    assert.throws(() => new DockerConfigCredentials(bad), {
      code: 'InvalidArgument',
      message: new RegExp(`^docker config "${bad}": invalid JSON`),
    });
    const b64 = file({ auths: { r: { auth: Buffer.from('nocolon').toString('base64') } } });
    assert.throws(() => new DockerConfigCredentials(b64).get('r'), {
      message: `docker config "${b64}": auths."r".auth is not base64 of "user:password"`,
    });
    assert.equal(new DockerConfigCredentials(join(dir, 'missing.json')).get('r'), undefined);
  });
  it('keeps explicit credentials by host with docker.io aliases', () => {
    const s = new StaticCredentials({ 'https://index.docker.io/v1/': { username: 'x', password: 'y' } });
    assert.deepEqual(s.get('docker.io'), { username: 'x', password: 'y' });
  });
  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});

describe('endpoints', () => {
  it('sends docker.io to registry-1.docker.io over https, mirrors first for pulls only', () => {
    const cfg = { hosts: { 'docker.io': { mirrors: ['http://127.0.0.1:5001/v2/'] } } };
    const pullEps = endpointsFor('docker.io', cfg, 'pull');
    assert.deepEqual(
      pullEps.map((e) => [e.base.href, e.mirror, e.insecure]),
      [
        ['http://127.0.0.1:5001/', true, true],
        ['https://registry-1.docker.io/', false, false],
      ],
    );
    assert.equal(endpointsFor('docker.io', cfg, 'push').length, 1);
  });
  it('treats loopback as insecure by default, and honours plainHttp and insecure', () => {
    assert.ok(
      isLoopback('127.0.0.1:5000') &&
        isLoopback('localhost') &&
        isLoopback('[::1]:5000') &&
        isLoopback('127.9.9.9'),
    );
    assert.ok(!isLoopback('128.0.0.1') && !isLoopback('example.com'));
    assert.equal(
      endpointsFor('reg.lan', { hosts: { 'reg.lan': { plainHttp: true } } }, 'pull')[0]?.base.protocol,
      'http:',
    );
    assert.equal(
      endpointsFor('reg.lan', { hosts: { 'reg.lan': { insecure: true } } }, 'pull')[0]?.insecure,
      true,
    );
    assert.throws(() => endpointsFor('x', { hosts: { x: { mirrors: ['ftp://m'] } } }, 'pull'), {
      message: 'registry host "x": mirror "ftp://m" must be http or https',
    });
    assert.throws(() => endpointsFor('x', { hosts: { x: { caFile: '/nonexistent/ca.pem' } } }, 'pull'), {
      code: 'NotFound',
      message: /^registry host "x": caFile "\/nonexistent\/ca.pem"/,
    });
  });
});

describe('platforms', () => {
  const m = (digest: string, os: string, architecture: string, variant?: string): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  const list = [
    m(D('a'), 'linux', 'amd64'),
    m(D('b'), 'linux', 'arm64', 'v8'),
    m(D('c'), 'linux', 'arm', 'v6'),
    m(D('d'), 'linux', 'arm', 'v7'),
    m(D('e'), 'windows', 'amd64'),
  ];
  it('normalises architectures and variants as containerd does', () => {
    assert.deepEqual(normalizePlatform({ os: 'Linux', architecture: 'aarch64' }), {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    assert.deepEqual(normalizePlatform({ os: 'linux', architecture: 'x86_64' }), {
      os: 'linux',
      architecture: 'amd64',
    });
    assert.deepEqual(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  });
  it('picks the exact platform, and the closest older variant', () => {
    assert.equal(selectPlatform(list, parsePlatform('linux/amd64'), 'i').digest, D('a'));
    assert.equal(selectPlatform(list, parsePlatform('linux/arm64'), 'i').digest, D('b'));
    assert.equal(selectPlatform(list, parsePlatform('linux/arm/v7'), 'i').digest, D('d'));
    assert.equal(selectPlatform([list[2]!], parsePlatform('linux/arm/v7'), 'i').digest, D('c'));
    assert.equal(selectPlatform(list, parsePlatform('windows/amd64'), 'i').digest, D('e'));
    assert.throws(() => selectPlatform([list[3]!], parsePlatform('linux/arm/v6'), 'index "x"'), {
      message: 'index "x": no manifest for platform "linux/arm/v6" (index has "linux/arm/v7")',
    });
  });
});

describe('parseManifest', () => {
  const oci = { schemaVersion: 2, config: { mediaType: 'x', digest: D('1'), size: 2 }, layers: [] };
  it('takes the media type from the document, the Content-Type, or the shape', () => {
    const r = parseManifest(Buffer.from(JSON.stringify(oci)), 'application/json', 'm');
    assert.equal(r.kind === 'manifest' && r.manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const idx = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] })), '', 'm');
    assert.equal(idx.kind, 'index');
  });
  it('refuses schema 1 clearly, and bad descriptors by field', () => {
    for (const [body, ct] of [
      ['{"schemaVersion":1,"name":"x"}', 'application/json'],
      ['{}', 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
    ] as const) {
      assert.throws(() => parseManifest(Buffer.from(body), ct, 'manifest "t"'), {
        code: 'FailedPrecondition',
        message:
          'manifest "t": Docker schema 1 manifests are not supported (deprecated; push the image again with a current client)',
      });
    }
    const bad = { ...oci, layers: [{ mediaType: 'x', digest: 'sha256:zz', size: 1 }] };
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify(bad)), '', 'manifest "t"'), {
      message: 'manifest "t": layers[0]: descriptor with an invalid digest "sha256:zz"',
    });
    assert.throws(() => parseManifest(Buffer.from('nope'), '', 'manifest "t"'), {
      message: /^manifest "t": invalid JSON/,
    });
  });
});

describe('backoff', () => {
  it('grows exponentially within bounds and honours Retry-After', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 20; i++) {
      const b1 = backoffMs(p, 1);
      const b4 = backoffMs(p, 4);
      const b9 = backoffMs(p, 9);
      assert.ok(b1 >= 50 && b1 <= 100, `attempt 1: ${b1}`);
      assert.ok(b4 >= 400 && b4 <= 800, `attempt 4: ${b4}`);
      assert.ok(b9 >= 500 && b9 <= 1000, `attempt 9: ${b9}`);
    }
    assert.equal(backoffMs(p, 1, '0.2'), 200);
    assert.equal(backoffMs(p, 1, '30'), 1000);
  });
});
