// The pure half of CNI execution: request configurations derived as SPEC.md section 3 says, version
// selection, CNI_ARGS, and the structural checks that run before any plugin.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareVersions,
  formatCniArgs,
  requestConfig,
  selectVersion,
  validateAttachment,
  validateConfList,
  type NetworkConfList,
} from '../../../src/network/cni/index.js';

// The spec's own example list (section 1, "Example configuration"), with an unknown key kept.
const dbnet: NetworkConfList = {
  cniVersion: '1.1.0',
  cniVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'],
  name: 'dbnet',
  plugins: [
    {
      type: 'bridge',
      bridge: 'cni0',
      keyA: ['some more', 'plugin specific', 'configuration'],
      ipam: { type: 'host-local', subnet: '10.1.0.0/16', gateway: '10.1.0.1' },
      dns: { nameservers: ['10.1.0.1'] },
    },
    { type: 'tuning', capabilities: { mac: true }, sysctl: { 'net.core.somaxconn': '500' } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

describe('cni request configuration', () => {
  test('the first plugin gets its own object plus cniVersion and name, no prevResult, no runtimeConfig', () => {
    const got = requestConfig(dbnet, dbnet.plugins[0]!, {
      cniVersion: '1.0.0',
      capabilityArgs: { portMappings: [] },
    });
    assert.deepEqual(got, {
      type: 'bridge',
      bridge: 'cni0',
      keyA: ['some more', 'plugin specific', 'configuration'],
      ipam: { type: 'host-local', subnet: '10.1.0.0/16', gateway: '10.1.0.1' },
      dns: { nameservers: ['10.1.0.1'] },
      cniVersion: '1.0.0',
      name: 'dbnet',
    });
  });

  test('runtimeConfig holds only the capabilities the plugin declares and the runtime provides; capabilities go', () => {
    const prevResult = {
      cniVersion: '1.0.0',
      ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 2 }],
    };
    const ports = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
    const got = requestConfig(dbnet, dbnet.plugins[2]!, {
      cniVersion: '1.0.0',
      capabilityArgs: { portMappings: ports, mac: '00:11:22:33:44:66' },
      prevResult,
    });
    assert.deepEqual(got, {
      type: 'portmap',
      cniVersion: '1.0.0',
      name: 'dbnet',
      runtimeConfig: { portMappings: ports },
      prevResult,
    });
    // Declared but not provided: no runtimeConfig at all.
    const tuning = requestConfig(dbnet, dbnet.plugins[1]!, { cniVersion: '1.0.0' });
    assert.equal('runtimeConfig' in tuning, false);
    assert.equal('capabilities' in tuning, false);
  });

  test('reserved keys in the configuration are replaced, cni.dev/ keys dropped', () => {
    const list: NetworkConfList = {
      cniVersion: '1.0.0',
      name: 'n',
      plugins: [
        { type: 'x', runtimeConfig: { stale: 1 }, prevResult: { stale: 1 }, 'cni.dev/x': 1, keep: 2 },
      ],
    };
    assert.deepEqual(requestConfig(list, list.plugins[0]!, { cniVersion: '1.0.0' }), {
      type: 'x',
      keep: 2,
      cniVersion: '1.0.0',
      name: 'n',
    });
  });

  test('the highest version both the list and every plugin speak is chosen', () => {
    assert.equal(selectVersion(dbnet), '1.1.0');
    const plugins110 = [['0.3.1', '0.4.0', '1.0.0']];
    assert.equal(selectVersion(dbnet, plugins110), '1.0.0');
    assert.equal(
      selectVersion(dbnet, [
        ['0.4.0', '1.0.0'],
        ['0.3.1', '0.4.0'],
      ]),
      '0.4.0',
    );
    assert.throws(() => selectVersion({ ...dbnet, cniVersions: ['9.0.0'], cniVersion: '9.0.0' }), {
      code: 'InvalidArgument',
      message: 'network "dbnet": no common CNI version (configuration offers "9.0.0", "9.0.0")',
    });
    assert.ok(compareVersions('0.10.0', '0.4.0') > 0);
    assert.equal(compareVersions('1.0.0', '1.0.0'), 0);
  });

  test('CNI_ARGS is K=V;K=V and refuses separators inside values', () => {
    assert.equal(
      formatCniArgs([
        ['IgnoreUnknown', '1'],
        ['IP', '10.1.0.5/24'],
      ]),
      'IgnoreUnknown=1;IP=10.1.0.5/24',
    );
    assert.equal(formatCniArgs([]), '');
    assert.throws(() => formatCniArgs([['K', 'a;b']]), {
      code: 'InvalidArgument',
      message: 'cni args "K=a;b": only letters, digits and "_.-/:" are allowed',
    });
  });

  test('lists and attachment parameters are checked before anything runs', () => {
    assert.throws(() => validateConfList({ cniVersion: '1.0.0', name: 'n', plugins: [] }), {
      message: 'cni network "n": plugins must be a non-empty list',
    });
    assert.throws(
      () => validateConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: '../bin/sh' }] }),
      {
        message: 'cni network "n": plugins[0].type: invalid plugin type',
      },
    );
    assert.throws(() => validateConfList({ cniVersion: '1.0.0', name: '-n', plugins: [{ type: 'x' }] }), {
      message: 'cni network config: invalid name "-n"',
    });
    assert.throws(() => validateAttachment('', 'eth0'), { code: 'InvalidArgument' });
    assert.throws(() => validateAttachment('c1', 'a-very-long-interface-name'), {
      message: 'cni interface name "a-very-long-interface-name": invalid',
    });
    validateAttachment('c1.x_y-z', 'eth0');
  });
});
