// Published ports through portmap: TCP and UDP answer on the host's 127.0.0.1, random host ports come from
// the ephemeral range, a port bound to 127.0.0.1 only, another container reaching one through the gateway
// (hairpin), docker's "port is already allocated", and nothing answering once the endpoint is gone.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Endpoint, NetworkRecord } from '../../../src/network/index.js';
import { ephemeralRange } from '../../../src/network/ports.js';
import { containerId, NetworkWorld, type HostSnapshot } from './fixture.js';
import { iptablesLines, skipUnlessRoot } from './host.js';
import {
  startInNetns,
  tcpFetch,
  tcpHelloInNetns,
  udpAsk,
  udpEchoInNetns,
  type NetnsProcess,
} from './servers.js';

/** A port nothing listens on right now (the kernel picks it; it is released at once). */
async function freeHostPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('published ports', { skip: skipUnlessRoot }, () => {
  const world = new NetworkWorld();
  const c1 = containerId();
  const c2 = containerId();
  const procs: NetnsProcess[] = [];
  let start: HostSnapshot;
  let net: NetworkRecord;
  let ep1: Endpoint;
  let fixedPort: number;
  let busy: Server | undefined;

  before(async () => {
    await world.open();
    start = await world.snapshot();
    net = await world.manager.createNetwork({ name: `ports-${c1.slice(0, 6)}` });
    world.watch();
  });
  after(async () => {
    for (const p of procs) await p.stop();
    busy?.close();
    await world.destroy();
  });

  test('TCP and UDP answer on 127.0.0.1: random ports from the ephemeral range, and a fixed one', async () => {
    fixedPort = await freeHostPort();
    const netns = await world.manager.createSandbox(c1);
    ep1 = await world.manager.connect(c1, net.name, {
      name: 'web',
      portMappings: [
        { hostPort: 0, containerPort: 8080, protocol: 'tcp' },
        { hostPort: 0, containerPort: 5353, protocol: 'udp' },
        { hostPort: fixedPort, containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1' },
      ],
    });
    world.watch();
    const [tcp, udp, fixed] = ep1.ports;
    const [lo, hi] = ephemeralRange();
    for (const p of [tcp!, udp!])
      assert.ok(p.hostPort >= lo && p.hostPort <= hi, `${p.hostPort} in ${lo}-${hi}`);
    assert.deepEqual(fixed, {
      hostPort: fixedPort,
      containerPort: 8080,
      protocol: 'tcp',
      hostIP: '127.0.0.1',
    });
    assert.equal(tcp!.hostIP, undefined);
    procs.push(await tcpHelloInNetns(netns, 8080, 'c1'), await udpEchoInNetns(netns, 5353));
    assert.equal(await tcpFetch('127.0.0.1', tcp!.hostPort), 'hello from c1');
    assert.equal(await tcpFetch('127.0.0.1', fixedPort), 'hello from c1');
    assert.equal(await udpAsk('127.0.0.1', udp!.hostPort, 'ping'), 'pong:ping');
    assert.deepEqual(world.manager.publishedPorts(), ep1.ports);
    const dnat = await iptablesLines([`--to-destination ${ep1.ipv4Address}:8080`]);
    assert.ok(dnat.length >= 2, dnat.join('\n'));
  });

  test('another container on the network reaches the published port through the gateway (hairpin NAT)', async () => {
    const netns2 = await world.manager.createSandbox(c2);
    await world.manager.connect(c2, net.name, { name: 'client' });
    const script = `require('net').connect(${ep1.ports[0]!.hostPort},'${net.gateway}').on('data',d=>process.stdout.write(d)).on('end',()=>console.log(' ready'))`;
    const client = await startInNetns(netns2, process.execPath, ['-e', script]);
    assert.match(client.output(), /hello from c1 ready/);
    await client.stop();
  });

  test("a port another endpoint or a host socket holds is refused with docker's message, and nothing is left", async () => {
    const cx = containerId();
    await world.manager.createSandbox(cx);
    await assert.rejects(
      world.manager.connect(cx, net.name, {
        name: 'x',
        portMappings: [{ hostPort: ep1.ports[0]!.hostPort, containerPort: 80, protocol: 'tcp' }],
      }),
      {
        code: 'AlreadyExists',
        message: `Bind for 0.0.0.0:${ep1.ports[0]!.hostPort} failed: port is already allocated`,
      },
    );
    // The UDP port with the same number is free for UDP... but not for TCP bound on the same address.
    busy = createServer();
    await new Promise<void>((r) => busy!.listen(0, '127.0.0.1', r));
    const held = (busy.address() as { port: number }).port;
    await assert.rejects(
      world.manager.connect(cx, net.name, {
        name: 'x',
        portMappings: [{ hostPort: held, containerPort: 80, protocol: 'tcp' }],
      }),
      { message: `Bind for 0.0.0.0:${held} failed: port is already allocated` },
    );
    await assert.rejects(
      world.manager.connect(cx, net.name, {
        name: 'x',
        portMappings: [{ hostPort: 1, containerPort: 0, protocol: 'tcp' }],
      }),
      { code: 'InvalidArgument', message: 'invalid containerPort: 0' },
    );
    assert.deepEqual(world.manager.endpoints(cx), []);
    await world.manager.removeSandbox(cx);
  });

  test('connects at the same time never get the same host port', async () => {
    const a = containerId();
    const b = containerId();
    await Promise.all([world.manager.createSandbox(a), world.manager.createSandbox(b)]);
    const port = await freeHostPort();
    const want = { hostPort: port, containerPort: 80, protocol: 'tcp' as const };
    const results = await Promise.allSettled([
      world.manager.connect(a, net.name, { name: 'a', portMappings: [want] }),
      world.manager.connect(b, net.name, { name: 'b', portMappings: [want] }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal(
      (failed.reason as Error).message,
      `Bind for 0.0.0.0:${port} failed: port is already allocated`,
    );
    await Promise.all([world.manager.removeSandbox(a), world.manager.removeSandbox(b)]);
  });

  test('once the endpoint is gone the ports answer no more, and the host is as it was', async () => {
    for (const p of procs.splice(0)) await p.stop();
    await world.manager.removeSandbox(c1);
    assert.equal(await tcpFetch('127.0.0.1', ep1.ports[0]!.hostPort), 'ECONNREFUSED');
    assert.equal(await tcpFetch('127.0.0.1', fixedPort), 'ECONNREFUSED');
    assert.deepEqual(await iptablesLines([`${ep1.ipv4Address}:`]), []);
    await world.manager.removeSandbox(c2);
    await world.manager.removeNetwork(net.name);
    assert.deepEqual(await world.snapshot(), start);
  });
});
