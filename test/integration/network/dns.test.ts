// Names between containers: two berth-runtime busybox containers on a user network, one serving HTTP,
// the other fetching it by name (wget) and pinging it by alias; the server on the gateway answers names,
// aliases, compose service names (from their label), short IDs and PTRs over UDP and TCP, forwards the
// rest upstream (a container's own --dns servers for its queries), refuses other networks, forgets names on disconnect, comes back after a restart; the
// default bridge has no DNS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DnsService, type Endpoint, type NetworkRecord } from '../../../src/network/index.js';
import { NetnsContainers } from './containers.js';
import { containerId, NetworkWorld, type HostSnapshot } from './fixture.js';
import { skipUnlessRoot, token } from './host.js';
import { dnsAskInNetns, fakeUpstream } from './servers.js';
import { testSubnet } from './subnets.js';

const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;

describe('dns between containers', { skip: skipUnlessRoot }, () => {
  const world = new NetworkWorld();
  const containers = new NetnsContainers();
  const ids = {
    web: containerId(),
    client: containerId(),
    other: containerId(),
    plain: containerId(),
    own: containerId(),
  };
  const netns: Record<string, string> = {};
  const eps: Record<string, Endpoint> = {};
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  // A container's own --dns server, asked on port 53 as docker asks it: on a loopback address of its own.
  const ownAddress = `127.0.${1 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  let ownUpstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let dns: DnsService;
  let net: NetworkRecord;
  let other: NetworkRecord;
  let start: HostSnapshot;
  const defaultBridge = { device: `bt${token()}`, subnet: testSubnet().cidr };

  before(async () => {
    upstream = await fakeUpstream({ 'external.test': '192.0.2.123' });
    ownUpstream = await fakeUpstream({ 'external.test': '198.51.100.7' }, { address: ownAddress, port: 53 });
    dns = new DnsService({ upstreams: [{ address: '127.0.0.1', port: upstream.port }] });
    await world.open({ names: dns, defaultBridge });
    start = await world.snapshot();
    net = await world.manager.createNetwork({ name: `dns-${token()}` });
    other = await world.manager.createNetwork({ name: `dns2-${token()}` });
    world.watch();
    for (const [k, id] of Object.entries(ids)) netns[k] = await world.manager.createSandbox(id);
    eps.web = await world.manager.connect(ids.web, net.name, {
      name: 'web',
      hostname: 'webhost',
      aliases: ['frontend', 'app'],
    });
    eps.client = await world.manager.connect(ids.client, net.name, {
      name: 'client',
      labels: { 'com.docker.compose.service': 'clientsvc' },
    });
    eps.other = await world.manager.connect(ids.other, other.name, { name: 'other' });
    eps.plain = await world.manager.connect(ids.plain, 'bridge', { name: 'plain' });
    eps.own = await world.manager.connect(ids.own, net.name, { name: 'own', dnsServers: [ownAddress] });
    world.watch();
  });
  after(async () => {
    await containers.cleanup();
    await world.destroy();
    await upstream.close();
    await ownUpstream.close();
  });

  test('each user network has a server on its gateway; the default bridge has none', async () => {
    const listening = Object.values(dns.listening()).sort();
    assert.deepEqual(listening, [`${net.gateway}:53`, `${other.gateway}:53`].sort());
    assert.equal(eps.web!.dnsServer, net.gateway);
    assert.equal(eps.plain!.dnsServer, undefined);
    assert.deepEqual(eps.plain!.dnsNames, []);
    assert.deepEqual(eps.web!.dnsNames, ['web', 'frontend', 'app', ids.web.slice(0, 12), 'webhost']);
    const bridgeGw = world.manager.getNetwork('bridge').gateway;
    assert.equal((await dnsAskInNetns(netns.plain!, bridgeGw, 'web')).rcode, -1);
  });

  test('a container fetches another by name over HTTP and pings it by alias (busybox in berth-runtime)', async () => {
    const etc = { resolvConf: `nameserver ${net.gateway}\n` };
    const served = await containers.start(netns.web!, ['/bin/httpd', '-f', '-p', '8080', '-h', '/srv'], {
      ...etc,
      files: { 'srv/index.html': 'served by web\n' },
    });
    const r = await containers.run(
      netns.client!,
      [
        '/bin/sh',
        '-c',
        'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://web:8080/ && break; sleep 0.3; done; ping -c 1 -W 3 frontend',
      ],
      etc,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^served by web\n/);
    assert.match(r.stdout, new RegExp(`PING frontend \\(${eps.web!.ipv4Address.replace(/\./g, '\\.')}\\)`));
    await containers.remove(served.id);
  });

  test('names, aliases, short ID, hostname and <name>.<network>, over UDP and TCP; PTR; AAAA has no data', async () => {
    const from = netns.client!;
    for (const name of ['web', 'FRONTEND', 'app', ids.web.slice(0, 12), 'webhost', `web.${net.name}`])
      assert.deepEqual(
        await dnsAskInNetns(from, net.gateway, name),
        { rcode: RCODE_NOERROR, answers: [eps.web!.ipv4Address] },
        name,
      );
    assert.deepEqual(await dnsAskInNetns(from, net.gateway, 'clientsvc'), {
      rcode: RCODE_NOERROR,
      answers: [eps.client!.ipv4Address],
    });
    assert.deepEqual(await dnsAskInNetns(from, net.gateway, 'client', 'A', 'tcp'), {
      rcode: RCODE_NOERROR,
      answers: [eps.client!.ipv4Address],
    });
    const reverse = eps.web!.ipv4Address.split('.').reverse().join('.') + '.in-addr.arpa';
    assert.deepEqual(await dnsAskInNetns(from, net.gateway, reverse, 'PTR'), {
      rcode: RCODE_NOERROR,
      answers: [`web.${net.name}`],
    });
    assert.deepEqual(await dnsAskInNetns(from, net.gateway, 'web', 'AAAA'), {
      rcode: RCODE_NOERROR,
      answers: [],
    });
  });

  test('other names go upstream (UDP and TCP); names of another network are not known here', async () => {
    const from = netns.client!;
    assert.deepEqual(await dnsAskInNetns(from, net.gateway, 'external.test'), {
      rcode: RCODE_NOERROR,
      answers: ['192.0.2.123'],
    });
    assert.deepEqual(await dnsAskInNetns(from, net.gateway, 'external.test', 'A', 'tcp'), {
      rcode: RCODE_NOERROR,
      answers: ['192.0.2.123'],
    });
    assert.ok(upstream.asked.includes('external.test'));
    // "other" lives on the other network: this server does not know it and upstream says NXDOMAIN.
    assert.equal((await dnsAskInNetns(from, net.gateway, 'other')).rcode, RCODE_NXDOMAIN);
    assert.ok(upstream.asked.includes('other'));
  });

  test("a container's own DNS servers (--dns) answer what the network does not; names still come first", async () => {
    assert.deepEqual(await dnsAskInNetns(netns.own!, net.gateway, 'external.test'), {
      rcode: RCODE_NOERROR,
      answers: ['198.51.100.7'],
    });
    assert.deepEqual(await dnsAskInNetns(netns.own!, net.gateway, 'external.test', 'A', 'tcp'), {
      rcode: RCODE_NOERROR,
      answers: ['198.51.100.7'],
    });
    assert.deepEqual(await dnsAskInNetns(netns.own!, net.gateway, 'web'), {
      rcode: RCODE_NOERROR,
      answers: [eps.web!.ipv4Address],
    });
    assert.deepEqual(ownUpstream.asked, ['external.test', 'external.test']);
    // Its neighbour without --dns still goes to the daemon's upstream.
    assert.deepEqual((await dnsAskInNetns(netns.client!, net.gateway, 'external.test')).answers, [
      '192.0.2.123',
    ]);
  });

  test('queries from another network are refused, even though the gateway is reachable', async () => {
    const r = await dnsAskInNetns(netns.other!, net.gateway, 'web');
    assert.deepEqual(r, { rcode: RCODE_REFUSED, answers: [] });
    assert.deepEqual(await dnsAskInNetns(netns.other!, other.gateway, 'other'), {
      rcode: RCODE_NOERROR,
      answers: [eps.other!.ipv4Address],
    });
  });

  test('names come back after a restart of the manager and go with the endpoint', async () => {
    await world.manager.close();
    assert.deepEqual(dns.listening(), {});
    dns = new DnsService({ upstreams: [{ address: '127.0.0.1', port: upstream.port }] });
    await world.open({ names: dns, defaultBridge });
    assert.deepEqual(await dnsAskInNetns(netns.client!, net.gateway, 'frontend'), {
      rcode: RCODE_NOERROR,
      answers: [eps.web!.ipv4Address],
    });
    assert.deepEqual((await dnsAskInNetns(netns.own!, net.gateway, 'external.test')).answers, [
      '198.51.100.7',
    ]);
    await world.manager.disconnect(ids.web, net.name);
    assert.equal((await dnsAskInNetns(netns.client!, net.gateway, 'frontend')).rcode, RCODE_NXDOMAIN);
  });

  test('after everything is removed, the servers are gone and the host is as it was', async () => {
    for (const id of Object.values(ids)) await world.manager.removeSandbox(id);
    await world.manager.removeNetwork(net.name);
    await world.manager.removeNetwork(other.name);
    assert.deepEqual(dns.listening(), {});
    const now = await world.snapshot();
    // The default bridge stays until the purge in after(): compare what is not the default bridge's.
    assert.deepEqual(now, start);
  });
});
