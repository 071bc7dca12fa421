// Masquerading, the network's own rule (nat BERTH-POSTROUTING -s <subnet> ! -o <bridge>): a container
// reaches a server in an "outside" namespace the test makes, which has no route back to the container's
// subnet, so only a masqueraded connection can be answered. A network with enable_ip_masquerade=false
// gets no answer. Afterwards the rule, its chain and POSTROUTING's jump are gone with the networks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NetworkRecord } from '../../../src/network/index.js';
import { containerId, NetworkWorld, type HostSnapshot } from './fixture.js';
import { inNetns, iptablesLines, sh, skipUnlessRoot, token, tryRun } from './host.js';
import { type NetnsProcess, tcpHelloInNetns } from './servers.js';
import { testSubnet } from './subnets.js';

const PORT = 7007;

describe('masquerading per network', { skip: skipUnlessRoot }, () => {
  const world = new NetworkWorld();
  const outside = { name: `berth-out-${token()}`, veth: `vo${token()}`, subnet: testSubnet() };
  const outsideNetns = `/run/netns/${outside.name}`;
  const ids = { masq: containerId(), plain: containerId() };
  let start: HostSnapshot;
  let server: NetnsProcess | undefined;
  let masq: NetworkRecord;
  let plain: NetworkRecord;

  before(async () => {
    await world.open();
    start = await world.snapshot();
    // The outside: one address, a connected route to the host's end of the veth, and nothing else.
    await sh('ip', ['netns', 'add', outside.name]);
    await sh('ip', [
      'link',
      'add',
      outside.veth,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      outside.name,
    ]);
    await sh('ip', ['addr', 'add', `${outside.subnet.host(1)}/24`, 'dev', outside.veth]);
    await sh('ip', ['link', 'set', outside.veth, 'up']);
    for (const args of [
      ['addr', 'add', `${outside.subnet.host(2)}/24`, 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['link', 'set', 'lo', 'up'],
    ])
      assert.equal((await inNetns(outsideNetns, 'ip', args)).code, 0);
    server = await tcpHelloInNetns(outsideNetns, PORT, 'outside');
  });
  after(async () => {
    await server?.stop();
    await tryRun('ip', ['netns', 'del', outside.name]); // takes the veth with it
    await world.destroy();
  });

  /** What a sandbox on `net` gets from the outside server (busybox nc, 3 s at most). */
  async function fetchFrom(id: string, net: NetworkRecord): Promise<string> {
    const netns = await world.manager.createSandbox(id);
    await world.manager.connect(id, net.name, { name: id.slice(0, 8) });
    world.watch();
    const r = await inNetns(netns, 'busybox', ['nc', '-w', '3', outside.subnet.host(2), String(PORT)]);
    return r.stdout;
  }

  test('a container on a network reaches a host that has no route back to it', async () => {
    masq = await world.manager.createNetwork({ name: `masq-${ids.masq.slice(0, 6)}` });
    const rules = await iptablesLines([masq.subnet]);
    assert.deepEqual(rules, [`nat -A BERTH-POSTROUTING -s ${masq.subnet} ! -o ${masq.bridge} -j MASQUERADE`]);
    assert.deepEqual(await iptablesLines(['-A POSTROUTING -j BERTH-']), [
      'nat -A POSTROUTING -j BERTH-POSTROUTING',
    ]);
    assert.equal(await fetchFrom(ids.masq, masq), 'hello from outside');
  });

  test('enable_ip_masquerade=false: no rule, and the outside cannot answer', async () => {
    plain = await world.manager.createNetwork({
      name: `plain-${ids.plain.slice(0, 6)}`,
      options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    });
    assert.deepEqual(
      (await iptablesLines([plain.subnet])).filter((l) => l.includes('MASQUERADE')),
      [],
    );
    assert.equal(await fetchFrom(ids.plain, plain), '');
  });

  test('removing the networks removes their rules, the chain and its jump', async () => {
    for (const id of Object.values(ids)) await world.manager.removeSandbox(id);
    await world.manager.removeNetwork(masq.id);
    await world.manager.removeNetwork(plain.id);
    assert.deepEqual(await world.snapshot(), start);
  });
});
