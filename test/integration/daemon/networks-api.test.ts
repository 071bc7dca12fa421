// The network routes of berthd as the real docker CLI and berth drive them: create (subnet, gateway,
// ip-range, labels, internal), ls (table, -q, --filter, --format), inspect, rm, prune, with dockerd's
// errors and statuses; a removed network leaves no bridge or iptables rule behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { skipUnlessRoot } from '../runtime/harness.js';
import { testSubnet } from '../network/subnets.js';
import { startNetworkDaemon, type NetworkDaemon } from './networks-fixture.js';

describe('berthd networks through the docker CLI and berth', { skip: skipUnlessRoot }, () => {
  let d: NetworkDaemon;
  before(async () => {
    d = await startNetworkDaemon();
  });
  after(async () => {
    await d?.stop();
  });

  for (const cli of ['docker', 'berth'] as const) {
    test(`${cli}: network create, ls, inspect and rm as docker's`, async () => {
      const run = (args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
      const subnet = testSubnet();
      const name = `web-${cli}`;
      const created = await run([
        'network',
        'create',
        '--subnet',
        subnet.cidr,
        '--gateway',
        subnet.host(254),
        '--ip-range',
        subnet.cidr.replace(/\.0\/24$/, '.128/25'),
        '--label',
        'tier=front',
        '--internal',
        name,
      ]);
      assert.equal(created.code, 0, created.stderr);
      const id = created.stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);

      const ls = await run(['network', 'ls']);
      assert.equal(ls.code, 0, ls.stderr);
      const lines = ls.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
      assert.ok(
        lines.some((l) => new RegExp(`^${id.slice(0, 12)}\\s+${name}\\s+bridge\\s+local$`).test(l)),
        ls.stdout,
      );
      assert.ok(
        lines.some((l) => /\sbridge\s+bridge\s+local$/.test(l)),
        'the default bridge is listed',
      );
      assert.ok(lines.some((l) => /\shost\s+host\s+local$/.test(l)));
      assert.ok(lines.some((l) => /\snone\s+null\s+local$/.test(l)));

      const quiet = await run(['network', 'ls', '-q', '--no-trunc', '--filter', 'label=tier=front']);
      assert.equal(quiet.stdout, `${id}\n`);
      const formatted = await run([
        'network',
        'ls',
        '--filter',
        `name=${name}`,
        '--format',
        '{{.Name}} {{.Driver}} {{.Internal}}',
      ]);
      assert.equal(formatted.stdout, `${name} bridge true\n`);
      const custom = await run(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}']);
      assert.ok(!custom.stdout.split('\n').includes('bridge'), custom.stdout);

      const inspect = await run(['network', 'inspect', name]);
      assert.equal(inspect.code, 0, inspect.stderr);
      const [net] = JSON.parse(inspect.stdout) as {
        Id: string;
        Name: string;
        Internal: boolean;
        Labels: Record<string, string>;
        IPAM: { Config: { Subnet: string; Gateway: string; IPRange?: string }[] };
        Containers: Record<string, unknown>;
      }[];
      assert.equal(net!.Id, id);
      assert.equal(net!.Internal, true);
      assert.deepEqual(net!.Labels, { tier: 'front' });
      assert.deepEqual(net!.IPAM.Config, [
        {
          Subnet: subnet.cidr,
          IPRange: subnet.cidr.replace(/\.0\/24$/, '.128/25'),
          Gateway: subnet.host(254),
        },
      ]);
      assert.deepEqual(net!.Containers, {});
      const gw = await run([
        'network',
        'inspect',
        '-f',
        '{{range .IPAM.Config}}{{.Gateway}}{{end}}',
        id.slice(0, 10),
      ]);
      assert.equal(gw.stdout, `${subnet.host(254)}\n`);

      const bridgeDev = `br-${id.slice(0, 12)}`;
      assert.ok((await d.traces()).bridges.includes(bridgeDev), 'the network has its bridge on the host');
      const rm = await run(['network', 'rm', name]);
      assert.equal(rm.code, 0, rm.stderr);
      assert.equal(rm.stdout, `${name}\n`);
      const traces = await d.traces();
      assert.ok(!traces.bridges.includes(bridgeDev), 'the bridge went with the network');
      assert.deepEqual(
        traces.iptables.filter((l) => l.includes(bridgeDev) || l.includes(subnet.cidr)),
        [],
      );
    });

    test(`${cli}: dockerd's errors for networks`, async () => {
      const run = (args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
      const name = `dup-${cli}`;
      assert.equal((await run(['network', 'create', name])).code, 0);
      const dup = await run(['network', 'create', name]);
      assert.equal(dup.code, 1);
      assert.equal(dup.stderr.trim(), `Error response from daemon: network with name ${name} already exists`);
      const missing = await run(['network', 'inspect', 'no-such-net']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Error response from daemon: network no-such-net not found/);
      const predefined = await run(['network', 'rm', 'bridge']);
      assert.equal(predefined.code, 1);
      assert.match(predefined.stderr, /bridge is a pre-defined network and cannot be removed/);
      const reserved = await run(['network', 'create', 'host']);
      assert.equal(reserved.code, 1);
      assert.match(reserved.stderr, /operation is not permitted on predefined host network/);
      const bad = await run(['network', 'create', '--subnet', '10.1.2.3/24', `bad-${cli}`]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /invalid subnet 10\.1\.2\.3\/24: it should be 10\.1\.2\.0\/24/);
      const pruned = await run(['network', 'prune', '-f']);
      assert.equal(pruned.code, 0, pruned.stderr);
      assert.equal(pruned.stdout, `Deleted Networks:\n${name}\n\n`);
      const rmMissing = await run(['network', 'rm', 'no-such-net']);
      assert.equal(rmMissing.code, 1);
      assert.match(rmMissing.stderr, /network no-such-net not found/);
    });
  }

  test('API statuses: 201, 204, 404, 409, 403, 400', async () => {
    const made = await d.api('POST', '/networks/create', { Name: 'status-net' });
    assert.equal(made.status, 201);
    assert.equal((await d.api('POST', '/networks/create', { Name: 'status-net' })).status, 409);
    assert.equal((await d.api('POST', '/networks/create', { Name: 'none' })).status, 403);
    const badSubnet = await d.api('POST', '/networks/create', {
      Name: 'bad',
      IPAM: { Config: [{ Subnet: '10.0.0.0/33' }] },
    });
    assert.equal(badSubnet.status, 400);
    assert.equal((await d.api('GET', '/networks/nope')).status, 404);
    assert.equal((await d.api('GET', '/networks?filters={"colour":["red"]}')).status, 400);
    assert.equal((await d.api('DELETE', '/networks/host')).status, 403);
    assert.equal((await d.api('DELETE', '/networks/status-net')).status, 204);
    assert.equal((await d.api('DELETE', '/networks/status-net')).status, 404);
  });

  test('network events: create, destroy (and connect, disconnect in the container tests)', async () => {
    const since = (Date.now() / 1000).toFixed(3);
    const made = await d.api('POST', '/networks/create', { Name: 'evented' });
    const id = (made.body as { Id: string }).Id;
    assert.equal((await d.api('DELETE', '/networks/evented')).status, 204);
    const until = (Date.now() / 1000 + 0.001).toFixed(3);
    const r = await d.api(
      'GET',
      `/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"type":["network"]}')}`,
    );
    const events = r.text
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            Type: string;
            Action: string;
            Actor: { ID: string; Attributes: Record<string, string> };
          },
      );
    assert.deepEqual(
      events.map((e) => [e.Type, e.Action, e.Actor.ID, e.Actor.Attributes]),
      [
        ['network', 'create', id, { name: 'evented', type: 'bridge' }],
        ['network', 'destroy', id, { name: 'evented', type: 'bridge' }],
      ],
    );
  });
});
