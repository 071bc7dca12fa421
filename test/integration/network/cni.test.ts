// CNI execution against Debian's real plugins (/usr/lib/cni): loopback, bridge with host-local, CHECK
// noticing a broken attachment, DEL releasing everything (twice is fine), results kept on disk, and
// plugin failures reported with the plugin's name, its msg and details.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AttachmentCache,
  CniPluginError,
  CniRunner,
  PluginExecutor,
  type NetworkConfList,
} from '../../../src/network/cni/index.js';
import { createNetns, removeNetns } from '../../../src/network/netns.js';
import {
  hostLinks,
  inNetns,
  leases,
  netnsLinks,
  nsfsMountsUnder,
  scratchDir,
  sh,
  skipUnlessRoot,
  token,
  tryRun,
} from './host.js';
import { testSubnet } from './subnets.js';

describe('cni plugins', { skip: skipUnlessRoot }, () => {
  const scratch = scratchDir('berth-cni-');
  const netnsDir = join(scratch.path, 'netns');
  const dataDir = join(scratch.path, 'ipam');
  const bridge = `bt${token()}`;
  const subnet = testSubnet();
  const runner = new CniRunner();
  const list: NetworkConfList = {
    cniVersion: '1.0.0',
    name: `cnitest-${token()}`,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipam: {
          type: 'host-local',
          dataDir,
          ranges: [[{ subnet: subnet.cidr, gateway: subnet.host(1) }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
    ],
  };
  let netns: string;

  before(() => {
    netns = createNetns(netnsDir, `c-${token()}`);
  });
  after(async () => {
    for (const m of nsfsMountsUnder(scratch.path)) removeNetns(m);
    await tryRun('ip', ['link', 'del', bridge]);
    scratch.remove();
  });

  test('VERSION lists what Debian 1.1.1 plugins speak', async () => {
    const v = await runner.version('bridge');
    assert.ok(v.supportedVersions.includes('1.0.0'));
    assert.equal(await runner.versionFor(list), '1.0.0');
  });

  test('loopback ADD brings lo up inside the namespace; DEL brings it down', async () => {
    const lo: NetworkConfList = { cniVersion: '1.0.0', name: 'lo', plugins: [{ type: 'loopback' }] };
    const rt = { containerId: 'lo-test', netns, ifname: 'lo' };
    const { result } = await runner.add(lo, rt);
    assert.ok(result.ips?.some((ip) => ip.address === '127.0.0.1/8'));
    const up = await inNetns(netns, 'ip', ['-o', 'addr', 'show', 'lo']);
    assert.match(up.stdout, /inet 127\.0\.0\.1\/8/);
    assert.equal((await inNetns(netns, 'busybox', ['ping', '-c', '1', '-W', '2', '127.0.0.1'])).code, 0);
    await runner.del(lo, rt);
    const down = await inNetns(netns, 'ip', ['-o', 'link', 'show', 'lo']);
    assert.match(down.stdout, /state DOWN/);
  });

  test('bridge + host-local: ADD, result cached, CHECK, CHECK failing once eth0 is gone, DEL twice', async () => {
    const cache = new AttachmentCache<{ note: string }>(join(scratch.path, 'attachments'));
    const rt = { containerId: `c-${token()}`, netns, ifname: 'eth0' };
    const { result, cniVersion } = await runner.add(list, rt);
    assert.equal(cniVersion, '1.0.0');
    const record = cache.write({
      ...rt,
      phase: 'added',
      config: list,
      cniVersion,
      result,
      meta: { note: 'x' },
    });
    assert.deepEqual(cache.read(rt.containerId, 'eth0'), record);
    assert.deepEqual(cache.listFor(rt.containerId), [record]);

    const ip = result.ips?.[0];
    assert.ok(ip && subnet.contains(ip.address.split('/')[0]!), JSON.stringify(result));
    assert.equal(ip.gateway, subnet.host(1));
    const names = result.interfaces?.map((i) => i.name) ?? [];
    assert.equal(names[0], bridge);
    assert.equal(names[2], 'eth0');
    const hostVeth = names[1]!;
    assert.ok(
      (await hostLinks()).some((l) => l.ifname === hostVeth && l.master === bridge && l.kind === 'veth'),
    );
    assert.deepEqual((await netnsLinks(netns)).sort(), ['eth0', 'lo']);
    assert.deepEqual(leases(dataDir), [`${list.name}/${ip.address.split('/')[0]}`]);
    // The gateway answers from inside: the veth is on the bridge, the bridge has the gateway address.
    assert.equal((await inNetns(netns, 'busybox', ['ping', '-c', '1', '-W', '5', subnet.host(1)])).code, 0);

    await runner.check(list, rt, { cniVersion, prevResult: result });
    await sh('nsenter', [`--net=${netns}`, 'ip', 'link', 'del', 'eth0']);
    await assert.rejects(runner.check(list, rt, { cniVersion, prevResult: result }), (err: unknown) => {
      assert.ok(err instanceof CniPluginError);
      assert.equal(err.plugin, 'bridge');
      assert.match(
        err.message,
        new RegExp(`^cni plugin "bridge" CHECK \\(container "${rt.containerId}", eth0\\): .+`),
      );
      return true;
    });

    await runner.del(list, rt, { cniVersion, prevResult: result });
    await runner.del(list, rt, { cniVersion, prevResult: result });
    cache.remove(rt.containerId, 'eth0');
    assert.equal(cache.read(rt.containerId, 'eth0'), undefined);
    assert.equal(existsSync(join(cache.dir, rt.containerId)), false);
    assert.deepEqual(leases(dataDir), []);
    assert.equal(
      (await hostLinks()).some((l) => l.ifname === hostVeth),
      false,
    );
  });

  test('a plugin error is reported with the plugin, its msg and its code mapped; nothing is left', async () => {
    const bad: NetworkConfList = {
      cniVersion: '1.0.0',
      name: `cnibad-${token()}`,
      plugins: [
        {
          type: 'bridge',
          bridge,
          ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.0.0.0/33' }]] },
        },
      ],
    };
    const rt = { containerId: `c-${token()}`, netns, ifname: 'eth1' };
    await assert.rejects(runner.add(bad, rt), {
      name: 'CniPluginError',
      code: 'Internal',
      message: `cni plugin "bridge" ADD (container "${rt.containerId}", eth1): invalid CIDR address: 10.0.0.0/33`,
    });
    // The DEL that must follow reads the same broken configuration: it fails the same way, harmlessly.
    await assert.rejects(runner.del(bad, rt), { message: /^cni plugin "bridge" DEL .*invalid CIDR address/ });
    assert.deepEqual((await netnsLinks(netns)).sort(), ['lo']);
  });

  test('a plugin that is not installed, and a bad container id, fail before anything runs', async () => {
    const missing: NetworkConfList = {
      cniVersion: '1.0.0',
      name: 'm',
      plugins: [{ type: 'no-such-plugin' }],
    };
    await assert.rejects(runner.add(missing, { containerId: 'c', netns, ifname: 'eth0' }), {
      code: 'FailedPrecondition',
      message: 'cni plugin "no-such-plugin": not found in "/usr/lib/cni"',
    });
    const other = new CniRunner(new PluginExecutor([join(scratch.path, 'none'), '/usr/lib/cni']));
    assert.equal(other.executor.find('bridge'), '/usr/lib/cni/bridge');
    await assert.rejects(runner.add(list, { containerId: '-bad', netns, ifname: 'eth0' }), {
      code: 'InvalidArgument',
    });
    assert.deepEqual((await netnsLinks(netns)).sort(), ['lo']);
  });
});
