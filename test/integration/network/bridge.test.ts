// User-defined bridge networks with real plugins and real namespaces: two sandboxes on one network reach
// each other; static addresses; a second network cannot reach the first (and back); an internal network
// has no default route and no way out; removal refuses while endpoints remain; and afterwards every
// veth, namespace, iptables line, bridge and lease of the test is gone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bridgeMac } from '../../../src/network/bridge-device.js';
import type { Endpoint, NetworkRecord } from '../../../src/network/index.js';
import { containerId, NetworkWorld, reachable, unreachable, type HostSnapshot } from './fixture.js';
import { hostLinks, inNetns, iptablesLines, skipUnlessRoot, tryRun } from './host.js';
import { testSubnet } from './subnets.js';

async function linkMac(name: string): Promise<string> {
  const r = await tryRun('ip', ['-j', 'link', 'show', 'dev', name]);
  return (JSON.parse(r.stdout) as { address: string }[])[0]!.address;
}

describe('bridge networks', { skip: skipUnlessRoot }, () => {
  const world = new NetworkWorld();
  const subnetA = testSubnet();
  const ids = {
    c1: containerId(),
    c2: containerId(),
    c3: containerId(),
    c4: containerId(),
    c5: containerId(),
  };
  let start: HostSnapshot;
  let netA: NetworkRecord;
  let netB: NetworkRecord;
  let netC: NetworkRecord;
  const eps: Record<string, Endpoint> = {};
  const netns: Record<string, string> = {};

  before(async () => {
    await world.open();
    start = await world.snapshot();
  });
  after(() => world.destroy());

  test('a network with a subnet: its bridge holds the gateway; Berth chains isolate it', async () => {
    netA = await world.manager.createNetwork({
      name: `neta-${ids.c1.slice(0, 6)}`,
      subnet: subnetA.cidr,
      labels: { a: 'b' },
    });
    world.watch();
    assert.equal(netA.subnet, subnetA.cidr);
    assert.equal(netA.gateway, subnetA.host(1));
    assert.equal(netA.bridge, `br-${netA.id.slice(0, 12)}`);
    assert.equal(netA.userSubnet, true);
    assert.deepEqual(netA.labels, { a: 'b' });
    const addr = await tryRun('ip', ['-o', '-4', 'addr', 'show', 'dev', netA.bridge]);
    assert.match(addr.stdout, new RegExp(`inet ${subnetA.host(1).replace(/\./g, '\\.')}/24`));
    const rules = await iptablesLines([netA.bridge]);
    assert.ok(
      rules.includes(
        `filter -A BERTH-ISOLATION-STAGE-1 -i ${netA.bridge} ! -o ${netA.bridge} -j BERTH-ISOLATION-STAGE-2`,
      ),
      rules.join('\n'),
    );
    assert.ok(rules.includes(`filter -A BERTH-ISOLATION-STAGE-2 -o ${netA.bridge} -j DROP`));
    const forward = await iptablesLines(['-A FORWARD -j BERTH-']);
    assert.deepEqual(
      forward.filter((l) => l.includes('BERTH-')).map((l) => l.replace('filter ', '')),
      ['-A FORWARD -j BERTH-FORWARD', '-A FORWARD -j BERTH-ISOLATION-STAGE-1'],
    );
    assert.equal(world.manager.getNetwork(netA.name).id, netA.id);
    assert.equal(world.manager.getNetwork(netA.id.slice(0, 10)).id, netA.id);
  });

  test('two sandboxes on it reach each other and the gateway; a static address is honoured', async () => {
    for (const c of ['c1', 'c2', 'c3'] as const) netns[c] = await world.manager.createSandbox(ids[c]);
    eps.c1 = await world.manager.connect(ids.c1, netA.name, { name: 'one' });
    eps.c2 = await world.manager.connect(ids.c2, netA.name, { name: 'two' });
    eps.c3 = await world.manager.connect(ids.c3, netA.id, { name: 'three', ipv4Address: subnetA.host(50) });
    world.watch();
    assert.equal(eps.c3.ipv4Address, subnetA.host(50));
    assert.equal(eps.c3.staticIPv4, subnetA.host(50));
    assert.equal(eps.c3.name, 'three');
    for (const e of [eps.c1, eps.c2]) {
      assert.ok(subnetA.contains(e.ipv4Address), e.ipv4Address);
      assert.equal(e.prefixLen, 24);
      assert.equal(e.gateway, subnetA.host(1));
      assert.equal(e.ifname, 'eth0');
      assert.match(e.macAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.deepEqual(e.dnsNames.slice(0, 1), [e === eps.c1 ? 'one' : 'two']);
    }
    const route = await inNetns(netns.c1!, 'ip', ['route', 'show', 'default']);
    assert.match(route.stdout, new RegExp(`default via ${subnetA.host(1).replace(/\./g, '\\.')} dev eth0`));
    assert.ok(await reachable(netns.c1!, eps.c2.ipv4Address));
    assert.ok(await reachable(netns.c2!, eps.c3.ipv4Address));
    assert.ok(await reachable(netns.c3!, subnetA.host(1)));
    const veths = (await hostLinks()).filter((l) => l.master === netA.bridge && l.kind === 'veth');
    assert.equal(veths.length, 3);
    assert.deepEqual(
      world.manager.endpoints(ids.c1).map((e) => e.networkName),
      [netA.name],
    );
    assert.equal(world.manager.networkEndpoints(netA.name).length, 3);
  });

  test("docker's refusals: a taken address, a second endpoint on the same network, a network in use", async () => {
    const cx = containerId();
    await world.manager.createSandbox(cx);
    await assert.rejects(world.manager.connect(cx, netA.name, { name: 'x', ipv4Address: subnetA.host(50) }), {
      code: 'AlreadyExists',
      message: `Address already in use: ${subnetA.host(50)}`,
    });
    await assert.rejects(world.manager.connect(cx, netA.name, { name: 'x', ipv4Address: '192.0.2.77' }), {
      code: 'InvalidArgument',
      message: "invalid address 192.0.2.77: it does not belong to any of this network's subnets",
    });
    await assert.rejects(world.manager.connect(ids.c1, netA.name, { name: 'one' }), {
      code: 'AlreadyExists',
      message: `endpoint with name one already exists in network ${netA.name}`,
    });
    await assert.rejects(world.manager.connect(cx, 'no-such-net', { name: 'x' }), {
      code: 'NotFound',
      message: 'network no-such-net not found',
    });
    await assert.rejects(world.manager.connect('nosandbox', netA.name, { name: 'x' }), {
      code: 'FailedPrecondition',
      message: 'container "nosandbox": no network sandbox (create it first)',
    });
    await assert.rejects(world.manager.connect(cx, 'host', { name: 'x' }), { code: 'InvalidArgument' });
    await assert.rejects(world.manager.removeNetwork(netA.name), {
      code: 'FailedPrecondition',
      message: `error while removing network: network ${netA.name} id ${netA.id} has active endpoints`,
    });
    await assert.rejects(world.manager.removeNetwork('none'), {
      code: 'PermissionDenied',
      message: 'none is a pre-defined network and cannot be removed',
    });
    await assert.rejects(world.manager.createNetwork({ name: 'dup', subnet: subnetA.cidr }), {
      message: 'invalid pool request: Pool overlaps with other one on this address space',
    });
    await world.manager.removeSandbox(cx);
  });

  test('a second network, subnet from the pool, cannot reach the first, nor the first it', async () => {
    netB = await world.manager.createNetwork({ name: `netb-${ids.c4.slice(0, 6)}` });
    assert.equal(netB.userSubnet, false);
    assert.ok(netB.subnet.startsWith(world.pool.base.split('.').slice(0, 2).join('.')), netB.subnet);
    netns.c4 = await world.manager.createSandbox(ids.c4);
    eps.c4 = await world.manager.connect(ids.c4, netB.name, { name: 'four' });
    world.watch();
    assert.ok(await reachable(netns.c4!, netB.gateway));
    assert.ok(await unreachable(netns.c4!, eps.c1!.ipv4Address));
    assert.ok(await unreachable(netns.c1!, eps.c4.ipv4Address));
    // Connected to both, a container reaches both.
    const both = await world.manager.connect(ids.c4, netA.name, { name: 'four' });
    assert.equal(both.ifname, 'eth1');
    assert.ok(await reachable(netns.c4!, eps.c1!.ipv4Address));
    const macBefore = await linkMac(netA.bridge);
    assert.equal(macBefore, bridgeMac(netA.bridge));
    await world.manager.disconnect(ids.c4, netA.name);
    assert.ok(await unreachable(netns.c4!, eps.c1!.ipv4Address));
    // A port leaving does not change the bridge's address (containers' ARP entries for the gateway stay good).
    assert.equal(await linkMac(netA.bridge), macBefore);
    await assert.rejects(world.manager.disconnect(ids.c4, netA.name), {
      code: 'NotFound',
      message: `container ${ids.c4} is not connected to network ${netA.name}`,
    });
  });

  test('an internal network: no default route, no masquerade, nothing out', async () => {
    netC = await world.manager.createNetwork({ name: `netc-${ids.c5.slice(0, 6)}`, internal: true });
    netns.c5 = await world.manager.createSandbox(ids.c5);
    eps.c5 = await world.manager.connect(ids.c5, netC.name, {
      name: 'five',
      portMappings: [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }],
    });
    world.watch();
    assert.equal(eps.c5.gateway, '');
    assert.deepEqual(eps.c5.ports, []);
    const routes = await inNetns(netns.c5!, 'ip', ['-4', 'route', 'show']);
    assert.doesNotMatch(routes.stdout, /default/);
    assert.match(routes.stdout, new RegExp(`^${netC.subnet.replace(/\./g, '\\.')} dev eth0`, 'm'));
    const nat = await iptablesLines([`-s ${eps.c5.ipv4Address}/32`]);
    assert.deepEqual(nat, [], 'no masquerade for an internal network');
    assert.ok(await reachable(netns.c5!, netC.gateway));
    assert.ok(await unreachable(netns.c5!, eps.c1!.ipv4Address));
    const out = await inNetns(netns.c5!, 'busybox', ['ping', '-c', '1', '-W', '1', '192.0.2.2']);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /Network unreachable|network is unreachable/i);
    const rules = await iptablesLines([netC.bridge]);
    assert.ok(
      rules.includes(`filter -A BERTH-ISOLATION-STAGE-1 ! -d ${netC.subnet} -i ${netC.bridge} -j DROP`),
      rules.join('\n'),
    );
  });

  test('CHECK passes on a healthy attachment and names the plugin once the interface is gone', async () => {
    await world.manager.check(ids.c2);
    await inNetns(netns.c2!, 'ip', ['link', 'del', 'eth0']);
    await assert.rejects(world.manager.check(ids.c2), {
      name: 'CniPluginError',
      message: new RegExp(`^cni plugin "bridge" CHECK \\(container "${ids.c2}", eth0\\): `),
    });
  });

  test('an ip-range narrows dynamic addresses; prune removes only networks without endpoints', async () => {
    const sub = testSubnet();
    const ranged = await world.manager.createNetwork({
      name: `netr-${ids.c1.slice(0, 6)}`,
      subnet: sub.cidr,
      ipRange: sub.cidr.replace(/\.0\/24$/, '.128/25'),
      gateway: sub.host(254),
    });
    const unused = await world.manager.createNetwork({
      name: `netu-${ids.c1.slice(0, 6)}`,
      labels: { keep: 'no' },
    });
    world.watch();
    const cr = containerId();
    await world.manager.createSandbox(cr);
    const ep = await world.manager.connect(cr, ranged.name, { name: 'ranged' });
    assert.equal(ep.gateway, sub.host(254));
    assert.ok(Number(ep.ipv4Address.split('.')[3]) >= 128, ep.ipv4Address);
    const pruned = await world.manager.pruneNetworks();
    assert.deepEqual(pruned, [unused.name]);
    assert.throws(() => world.manager.getNetwork(unused.name), { code: 'NotFound' });
    await world.manager.removeSandbox(cr);
    await world.manager.removeNetwork(ranged.name);
  });

  test('a connect racing a removal of its network: one of them wins, nothing is half made', async () => {
    for (let round = 0; round < 3; round++) {
      const racy = await world.manager.createNetwork({ name: `netz${round}-${ids.c1.slice(0, 6)}` });
      world.watch();
      const cz = containerId();
      await world.manager.createSandbox(cz);
      const [connected, removed] = await Promise.allSettled([
        world.manager.connect(cz, racy.name, { name: 'z' }),
        world.manager.removeNetwork(racy.name),
      ]);
      if (connected.status === 'fulfilled') {
        assert.equal(removed.status, 'rejected');
        assert.match((removed as PromiseRejectedResult).reason.message, /has active endpoints$/);
        await world.manager.removeSandbox(cz);
        await world.manager.removeNetwork(racy.name);
      } else {
        assert.equal(removed.status, 'fulfilled');
        assert.equal((connected as PromiseRejectedResult).reason.code, 'NotFound');
        assert.deepEqual(world.manager.endpoints(cz), []);
        await world.manager.removeSandbox(cz);
      }
      assert.equal(
        (await hostLinks()).some((l) => l.ifname === racy.bridge),
        false,
      );
    }
  });

  test('after every sandbox and network is removed, nothing of the test is left on the host', async () => {
    for (const c of Object.keys(netns)) await world.manager.removeSandbox(ids[c as keyof typeof ids]);
    for (const n of [netA, netB, netC]) await world.manager.removeNetwork(n.name);
    assert.deepEqual(await world.snapshot(), start);
    assert.deepEqual(
      world.manager.listNetworks().map((n) => n.name),
      ['host', 'none'],
    );
  });
});
