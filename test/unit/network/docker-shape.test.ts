// Networks and endpoints in the Docker Engine API's shapes, and docker's create body read into a request.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createRequestFromDocker,
  dockerEndpointSettings,
  dockerNetwork,
} from '../../../src/network/docker-shape.js';
import type { Endpoint, NetworkRecord } from '../../../src/network/types.js';

const net: NetworkRecord = {
  id: 'c'.repeat(64),
  name: 'web',
  driver: 'bridge',
  created: '2026-01-01T00:00:00.000Z',
  subnet: '172.18.0.0/16',
  gateway: '172.18.0.1',
  ipRange: '172.18.5.0/24',
  userSubnet: true,
  bridge: 'br-cccccccccccc',
  internal: false,
  attachable: true,
  labels: { 'com.docker.compose.project': 'p' },
  options: { 'com.docker.network.driver.mtu': '1400' },
  isDefault: false,
};

const ep: Endpoint = {
  containerId: 'd'.repeat(64),
  name: 'p-web-1',
  networkId: net.id,
  networkName: 'web',
  endpointId: 'e'.repeat(64),
  ifname: 'eth0',
  netns: '/run/berth/netns/' + 'd'.repeat(64),
  ipv4Address: '172.18.5.2',
  prefixLen: 16,
  gateway: '172.18.0.1',
  macAddress: '02:42:ac:12:05:02',
  aliases: ['web'],
  staticIPv4: '172.18.5.2',
  dnsNames: ['p-web-1', 'web', 'dddddddddddd'],
  ports: [],
};

describe('docker shapes', () => {
  test('NetworkInspect of a bridge network with one container', () => {
    assert.deepEqual(dockerNetwork(net, [ep]), {
      Name: 'web',
      Id: net.id,
      Created: '2026-01-01T00:00:00.000Z',
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv4: true,
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Options: {},
        Config: [{ Subnet: '172.18.0.0/16', IPRange: '172.18.5.0/24', Gateway: '172.18.0.1' }],
      },
      Internal: false,
      Attachable: true,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: {
        [ep.containerId]: {
          Name: 'p-web-1',
          EndpointID: ep.endpointId,
          MacAddress: '02:42:ac:12:05:02',
          IPv4Address: '172.18.5.2/16',
          IPv6Address: '',
        },
      },
      Options: { 'com.docker.network.driver.mtu': '1400' },
      Labels: { 'com.docker.compose.project': 'p' },
    });
    const host = dockerNetwork({
      ...net,
      name: 'host',
      driver: 'host',
      subnet: '',
      gateway: '',
      ipRange: undefined,
    });
    assert.deepEqual(host.IPAM, { Driver: 'default', Options: null, Config: [] });
    assert.equal(host.EnableIPv4, false);
  });

  test("EndpointSettings of a container's network", () => {
    const s = dockerEndpointSettings(ep);
    assert.deepEqual(s.IPAMConfig, { IPv4Address: '172.18.5.2' });
    assert.equal(s.IPAddress, '172.18.5.2');
    assert.equal(s.IPPrefixLen, 16);
    assert.deepEqual(s.DNSNames, ['p-web-1', 'web', 'dddddddddddd']);
    assert.deepEqual(s.Aliases, ['web']);
    const plain = dockerEndpointSettings({ ...ep, aliases: [], dnsNames: [], staticIPv4: undefined });
    assert.equal(plain.IPAMConfig, null);
    assert.equal(plain.Aliases, null);
    assert.equal(plain.DNSNames, null);
  });

  test("docker's create body becomes a request; what a local bridge cannot be is refused", () => {
    assert.deepEqual(
      createRequestFromDocker({
        Name: 'n',
        Driver: 'bridge',
        Internal: true,
        IPAM: {
          Driver: 'default',
          Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.254', IPRange: '10.1.0.128/25' }],
        },
        Options: { 'com.docker.network.bridge.name': 'mybr' },
        Labels: { a: 'b' },
      }),
      {
        name: 'n',
        driver: 'bridge',
        subnet: '10.1.0.0/24',
        gateway: '10.1.0.254',
        ipRange: '10.1.0.128/25',
        internal: true,
        attachable: false,
        labels: { a: 'b' },
        options: { 'com.docker.network.bridge.name': 'mybr' },
        ipamDriver: 'default',
      },
    );
    assert.deepEqual(createRequestFromDocker({ Name: 'm', IPAM: null, Options: null, Labels: null }), {
      name: 'm',
      internal: false,
      attachable: false,
      labels: {},
      options: {},
    });
    const bad = (body: object, message: string) =>
      assert.throws(() => createRequestFromDocker({ Name: 'x', ...body }), {
        code: 'InvalidArgument',
        message,
      });
    bad({ Scope: 'swarm' }, 'scope "swarm": only "local" networks are supported');
    bad({ Ingress: true }, 'ingress networks need swarm, which is not supported');
    bad(
      { IPAM: { Config: [{ Subnet: '10.1.0.0/24' }, { Subnet: '10.2.0.0/24' }] } },
      'more than one IPv4 subnet per network is not supported',
    );
    bad(
      { IPAM: { Config: [{ Subnet: 'fd00::/64' }] } },
      'IPv6 subnets need EnableIPv6, and IPv6 networks are not supported yet',
    );
    bad(
      { IPAM: { Config: [{ Subnet: '10.1.0.0/24', AuxiliaryAddresses: { h: '10.1.0.9' } }] } },
      'auxiliary addresses are not supported',
    );
  });
});
