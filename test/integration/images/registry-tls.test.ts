// https registries: docker-registry with a self-signed certificate for 127.0.0.1. With the host's CA file and
// verification on, the pull succeeds; without it, the certificate is refused by name; loopback hosts are
// insecure by default (as in docker), so TLS is used unverified.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type HostsConfig,
  LayoutStore,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  pull,
  push,
} from '../../../src/images/registry/index.js';
import { type BuiltImage, writeImage } from '../../fixtures/oci-images.js';
import {
  type TestCert,
  type TestRegistry,
  makeLoopbackCert,
  startRegistry,
} from '../../fixtures/registry.js';

let work: string;
let cert: TestCert;
let reg: TestRegistry;
let image: BuiltImage;
let n = 0;
const sink = (): Promise<LayoutStore> => LayoutStore.open(join(work, `sink-${n++}`));
const client = (hosts: HostsConfig = {}): RegistryClient =>
  new RegistryClient({ credentials: new StaticCredentials(), hosts, retry: { baseDelayMs: 5, attempts: 2 } });

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-reg-tls-'));
  cert = makeLoopbackCert(work);
  image = writeImage(join(work, 'img'), [
    { entries: [{ type: 'file', path: 'f', data: Buffer.from('tls') }] },
  ]);
  reg = await startRegistry({ kind: 'none' }, cert);
});
after(async () => {
  closeConnections();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('https registry', () => {
  it('verifies the certificate against the host caFile', async () => {
    const hosts = { hosts: { [reg.host]: { insecure: false, caFile: cert.certFile } } };
    await push(client(hosts), `${reg.host}/tls/img:1`, image.manifest, {
      source: await LayoutStore.open(join(work, 'img')),
    });
    const r = await pull(client(hosts), `${reg.host}/tls/img:1`, { sink: await sink() });
    assert.equal(r.target.digest, image.manifest.digest);
  });

  it('refuses an unknown certificate when verification is on', async () => {
    const hosts = { hosts: { [reg.host]: { insecure: false } } };
    await assert.rejects(pull(client(hosts), `${reg.host}/tls/img:1`, { sink: await sink() }), {
      code: 'Unavailable',
      message: `pull "${reg.host}/tls/img:1": registry "${reg.host}": GET https://${reg.host}/v2/tls/img/manifests/1: self-signed certificate`,
    });
  });

  it('uses TLS unverified for a loopback host by default', async () => {
    const r = await pull(client(), `${reg.host}/tls/img:1`, { sink: await sink() });
    assert.equal(r.layers.length, 1);
  });
});
