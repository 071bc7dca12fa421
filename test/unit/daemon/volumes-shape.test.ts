import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerVolume } from '../../../src/daemon/services/volumes/index.js';
import { needsMount, validateDriverOptions } from '../../../src/daemon/services/volumes/local-driver.js';

describe('volume shapes', () => {
  it("dockerd's Volume: null labels and options when empty, seconds-precision time, the anonymous label", () => {
    const base = {
      name: 'v',
      driver: 'local',
      mountpoint: '/r/volumes/v/_data',
      options: {},
      labels: {},
      anonymous: false,
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
    };
    assert.deepEqual(dockerVolume(base), {
      CreatedAt: '2026-01-02T03:04:05Z',
      Driver: 'local',
      Labels: null,
      Mountpoint: '/r/volumes/v/_data',
      Name: 'v',
      Options: null,
      Scope: 'local',
    });
    const anon = dockerVolume({ ...base, anonymous: true, options: { type: 'tmpfs', device: 'tmpfs' } });
    assert.deepEqual(anon.Labels, { 'com.docker.volume.anonymous': '' });
    assert.deepEqual(Object.keys(anon.Options!), ['device', 'type'], 'keys in order, as Go writes maps');
    assert.deepEqual(dockerVolume(base, { size: 5, refCount: 1 }).UsageData, { Size: 5, RefCount: 1 });
  });
});

describe('local driver options', () => {
  it("accepts docker's forms and refuses the rest with its messages", () => {
    validateDriverOptions('v', 'local', {});
    validateDriverOptions('v', 'local', { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    validateDriverOptions('v', 'local', { type: 'none', device: '/tmp', o: 'bind' });
    assert.throws(() => validateDriverOptions('v', 'local', { size: '1g' }), {
      message: 'create v: invalid option: "size"',
    });
    assert.throws(() => validateDriverOptions('v', 'local', { o: 'size=1m' }), {
      message: 'create v: missing required option: "device"',
    });
    assert.throws(
      () => validateDriverOptions('v', 'local', { type: 'none', device: 'rel/dir', o: 'bind' }),
      /must be an existing absolute path/,
    );
    assert.throws(() => validateDriverOptions('v', 'flocker', {}), /plugin "flocker" not found/);
    assert.equal(needsMount({}), false);
    assert.equal(needsMount({ type: 'tmpfs', device: 'tmpfs' }), true);
  });
});
