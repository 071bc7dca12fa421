import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/base/errors.js';
import {
  networkSettings,
  planNetworking,
  portMappings,
  portSummaries,
} from '../../../src/daemon/services/networks/index.js';
import type { Endpoint, NetworkRecord } from '../../../src/network/index.js';

const record = (name: string, over: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: `${name}-id`,
  name,
  driver: 'bridge',
  created: '2026-01-01T00:00:00.000Z',
  subnet: '10.1.0.0/24',
  gateway: '10.1.0.1',
  userSubnet: false,
  bridge: `br-${name}`,
  internal: false,
  attachable: false,
  labels: {},
  options: {},
  isDefault: name === 'bridge',
  ...over,
});
const nets: Record<string, NetworkRecord> = {
  bridge: record('bridge'),
  web: record('web', { userSubnet: true }),
  auto: record('auto'),
  host: record('host', { driver: 'host' }),
};
const resolve = (ref: string): NetworkRecord => {
  const n = nets[ref];
  if (!n) throw new BerthError('NotFound', `network ${ref} not found`);
  return n;
};

describe('planNetworking', () => {
  it('the default mode is the default bridge', () => {
    const { plan } = planNetworking({}, undefined, resolve);
    assert.deepEqual(plan, {
      kind: 'networks',
      attachments: [{ networkId: 'bridge-id', networkName: 'bridge', aliases: [] }],
    });
  });

  it('a user network with aliases, a static IP and a second network from EndpointsConfig', () => {
    const { plan } = planNetworking(
      { NetworkMode: 'web' },
      { web: { Aliases: ['api'], IPAMConfig: { IPv4Address: '10.1.0.9' } }, auto: {} },
      resolve,
    );
    assert.deepEqual(plan, {
      kind: 'networks',
      attachments: [
        { networkId: 'web-id', networkName: 'web', aliases: ['api'], ipv4: '10.1.0.9' },
        { networkId: 'auto-id', networkName: 'auto', aliases: [] },
      ],
    });
  });

  it('refuses what dockerd refuses, with its messages', () => {
    assert.throws(() => planNetworking({ NetworkMode: 'nope' }, undefined, resolve), {
      message: 'network nope not found',
    });
    assert.throws(() => planNetworking({}, { bridge: { Aliases: ['x'] } }, resolve), {
      message: 'network-scoped alias is supported only for containers in user defined networks',
    });
    assert.throws(
      () => planNetworking({}, { bridge: { IPAMConfig: { IPv4Address: '10.1.0.5' } } }, resolve),
      {
        message: 'user specified IP address is supported on user defined networks only',
      },
    );
    assert.throws(
      () =>
        planNetworking(
          { NetworkMode: 'auto' },
          { auto: { IPAMConfig: { IPv4Address: '10.1.0.5' } } },
          resolve,
        ),
      /user configured subnets/,
    );
    assert.throws(
      () =>
        planNetworking(
          { NetworkMode: 'container:abc', PortBindings: { '80/tcp': [{}] } },
          undefined,
          resolve,
        ),
      { message: 'conflicting options: port publishing and the container type network mode' },
    );
  });

  it('host discards ports with a warning; none and container: make no attachments', () => {
    const host = planNetworking(
      { NetworkMode: 'host', PortBindings: { '80': [{ HostPort: '80' }] } },
      {},
      resolve,
    );
    assert.deepEqual(host, {
      plan: { kind: 'host' },
      warnings: ['Published ports are discarded when using host network mode'],
    });
    assert.deepEqual(planNetworking({ NetworkMode: 'none' }, {}, resolve).plan, { kind: 'none' });
    assert.deepEqual(planNetworking({ NetworkMode: 'container:abc' }, {}, resolve).plan, {
      kind: 'container',
      ref: 'abc',
    });
  });
});

describe('portMappings', () => {
  it('binds PortBindings and, with -P, a random port for every other exposed port', () => {
    const m = portMappings(
      {
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostPort: '' }] },
        PublishAllPorts: true,
      },
      { '80/tcp': {}, '443/tcp': {} },
    );
    assert.deepEqual(m, [
      { containerPort: 80, protocol: 'tcp', hostPort: 8080, hostIP: '127.0.0.1' },
      { containerPort: 53, protocol: 'udp', hostPort: 0 },
      { containerPort: 443, protocol: 'tcp', hostPort: 0 },
    ]);
    assert.throws(() => portMappings({ PortBindings: { 'http/tcp': [] } }, {}), {
      message: 'invalid port specification: "http/tcp"',
    });
  });
});

describe('NetworkSettings', () => {
  const ep: Endpoint = {
    containerId: 'c1',
    name: 'web1',
    networkId: 'bridge-id',
    networkName: 'bridge',
    endpointId: 'e'.repeat(64),
    ifname: 'eth0',
    netns: '/run/berth/netns/c1',
    ipv4Address: '172.17.0.2',
    prefixLen: 16,
    gateway: '172.17.0.1',
    macAddress: '02:42:ac:11:00:02',
    aliases: [],
    dnsNames: [],
    ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }],
  };
  const plan = {
    kind: 'networks' as const,
    attachments: [{ networkId: 'bridge-id', networkName: 'bridge', aliases: [] }],
  };
  const ids = { host: 'h', none: 'n' };

  it('a running container on the default bridge: addresses at the top, Ports, SandboxKey', () => {
    const s = networkSettings({
      containerId: 'c1',
      plan,
      endpoints: [ep],
      sandboxKey: ep.netns,
      exposed: { '80/tcp': {}, '9000/tcp': {} },
      predefinedIds: ids,
    });
    assert.equal(s.IPAddress, '172.17.0.2');
    assert.equal(s.Gateway, '172.17.0.1');
    assert.equal(s.IPPrefixLen, 16);
    assert.equal(s.SandboxKey, ep.netns);
    assert.deepEqual(s.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '9000/tcp': null });
    const n = (s.Networks as Record<string, { IPAddress: string; NetworkID: string }>).bridge!;
    assert.equal(n.IPAddress, '172.17.0.2');
    assert.equal(n.NetworkID, 'bridge-id');
  });

  it('a stopped container keeps its networks without addresses, and no ports', () => {
    const s = networkSettings({
      containerId: 'c1',
      plan,
      endpoints: [],
      exposed: { '80/tcp': {} },
      predefinedIds: ids,
    });
    assert.equal(s.IPAddress, '');
    assert.equal(s.SandboxKey, '');
    assert.deepEqual(s.Ports, {});
    const n = (s.Networks as Record<string, { IPAddress: string; NetworkID: string; EndpointID: string }>)
      .bridge!;
    assert.deepEqual([n.NetworkID, n.EndpointID, n.IPAddress], ['bridge-id', '', '']);
  });

  it('list Ports: published with their host side, exposed alone', () => {
    assert.deepEqual(portSummaries([ep], { '80/tcp': {}, '53/udp': {} }), [
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
    ]);
  });
});

describe('planNetworking and the docker CLI', () => {
  it('the endpoint keyed "default" is the default bridge', () => {
    const { plan } = planNetworking({ NetworkMode: 'default' }, { default: {} }, resolve);
    assert.deepEqual(plan, {
      kind: 'networks',
      attachments: [{ networkId: 'bridge-id', networkName: 'bridge', aliases: [] }],
    });
  });
});

describe('planNetworking without a default bridge (--bridge=none)', () => {
  it('the default mode is a private namespace; an explicit bridge is not found', () => {
    const none = (ref: string): NetworkRecord => {
      if (ref === 'bridge') throw new BerthError('NotFound', 'network bridge not found');
      return resolve(ref);
    };
    assert.deepEqual(planNetworking({}, { default: {} }, none, false).plan, { kind: 'none', private: true });
    assert.throws(() => planNetworking({ NetworkMode: 'bridge' }, undefined, none, false), {
      message: 'network bridge not found',
    });
    assert.equal(planNetworking({ NetworkMode: 'web' }, undefined, none, false).plan.kind, 'networks');
  });
});
