// The default `bridge` network: made on first open from the first pool subnet that no host route covers
// (a dummy interface of the test's own holds the first one), kept across restarts, re-made when its
// configured subnet changes while nothing uses it; docker's restrictions (no aliases, no --ip, cannot be
// removed or re-created); predefined host and none listed; purge takes it away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatCidr, formatIPv4, networkOf, parseCidr } from '../../../src/network/ipam/ipv4.js';
import { containerId, NetworkWorld, reachable, type HostSnapshot } from './fixture.js';
import { hostLinks, sh, skipUnlessRoot, token, tryRun } from './host.js';
import { testSubnet } from './subnets.js';

describe('the default bridge network', { skip: skipUnlessRoot }, () => {
  const world = new NetworkWorld();
  const device = `bt${token()}`;
  const dummy = `bd${token()}`;
  const pool = parseCidr(world.pool.base)!;
  const first = formatCidr({ addr: networkOf(pool), prefix: 24 });
  const second = formatCidr({ addr: networkOf(pool) + 256, prefix: 24 });
  let start: HostSnapshot;

  before(async () => {
    // A host route over the pool's first subnet (on a device of the test's own): automatic allocation must step over it.
    await sh('ip', ['link', 'add', dummy, 'type', 'bridge']); // no dummy module in this kernel
    await sh('ip', ['addr', 'add', `${formatIPv4(networkOf(pool) + 1)}/24`, 'dev', dummy]);
    await sh('ip', ['link', 'set', dummy, 'up']);
    world.watched.bridges.add(device);
    world.watched.subnets.add(second);
    start = await world.snapshot();
  });
  after(async () => {
    await world.destroy();
    await tryRun('ip', ['link', 'del', dummy]);
  });

  test('first open makes it, on the first subnet no host route covers', async () => {
    const m = await world.open({ defaultBridge: { device } });
    const bridge = m.getNetwork('bridge');
    assert.notEqual(bridge.subnet, first);
    assert.equal(bridge.subnet, second);
    assert.equal(bridge.isDefault, true);
    assert.equal(bridge.bridge, device);
    assert.equal(bridge.options['com.docker.network.bridge.default_bridge'], 'true');
    assert.equal(bridge.options['com.docker.network.bridge.name'], device);
    assert.ok((await hostLinks()).some((l) => l.ifname === device && l.kind === 'bridge'));
    assert.deepEqual(
      m.listNetworks().map((n) => [n.name, n.driver]),
      [
        ['bridge', 'bridge'],
        ['host', 'host'],
        ['none', 'null'],
      ],
    );
    assert.equal(m.getNetwork('host').id.length, 64);
  });

  test("containers on it reach each other; docker's restrictions hold", async () => {
    const m = world.manager;
    const [a, b] = [containerId(), containerId()];
    const na = await m.createSandbox(a);
    await m.createSandbox(b);
    await m.connect(a, 'bridge', { name: 'a' });
    const eb = await m.connect(b, 'bridge', { name: 'b' });
    assert.deepEqual(eb.dnsNames, []);
    assert.ok(await reachable(na, eb.ipv4Address));
    const c = containerId();
    await m.createSandbox(c);
    await assert.rejects(m.connect(c, 'bridge', { name: 'c', aliases: ['x'] }), {
      message: 'network-scoped alias is supported only for containers in user defined networks',
    });
    await assert.rejects(
      m.connect(c, 'bridge', { name: 'c', ipv4Address: formatIPv4(networkOf(parseCidr(second)!) + 9) }),
      {
        message: 'user specified IP address is supported on user defined networks only',
      },
    );
    await assert.rejects(m.removeNetwork('bridge'), {
      code: 'PermissionDenied',
      message: 'bridge is a pre-defined network and cannot be removed',
    });
    await assert.rejects(m.createNetwork({ name: 'bridge' }), {
      message: 'operation is not permitted on predefined bridge network',
    });
    for (const id of [a, b, c]) await m.removeSandbox(id);
  });

  test('a restart keeps it; another configured subnet re-makes it while nothing is attached', async () => {
    const before = world.manager.getNetwork('bridge');
    await world.manager.close();
    const again = await world.open({ defaultBridge: { device } });
    assert.deepEqual(again.getNetwork('bridge'), before);
    await again.close();
    const other = testSubnet();
    world.watched.subnets.add(other.cidr);
    const changed = await world.open({ defaultBridge: { device, subnet: other.cidr } });
    const now = changed.getNetwork('bridge');
    assert.notEqual(now.id, before.id);
    assert.equal(now.subnet, other.cidr);
    assert.equal(now.gateway, other.host(1));
    const addr = await sh('ip', ['-o', '-4', 'addr', 'show', 'dev', device]);
    assert.match(addr, new RegExp(`inet ${other.host(1).replace(/\./g, '\\.')}/24`));
  });

  test('purge removes it and its rules: the host is as it was', async () => {
    await world.manager.purge();
    assert.deepEqual(await world.snapshot(), start);
    assert.deepEqual(
      world.manager.listNetworks().map((n) => n.name),
      ['host', 'none'],
    );
  });
});
