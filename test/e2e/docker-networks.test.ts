// Containers on berthd's networks, driven by the real docker CLI (and the same through berth): two
// containers on a user network reach each other by name and alias; a published port answers on the
// host's 127.0.0.1; two user networks cannot reach each other; an internal network has no default
// route; inspect, port, /etc/hosts and /etc/resolv.conf as docker's, --dns servers asked for what the
// network's names do not answer; connect and disconnect of a running
// container; and after everything is removed — also after a container was killed while berthd was
// SIGKILLed and then restarted — no veth, netns, iptables rule or lease of the daemon is left.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipUnlessRoot } from '../integration/runtime/harness.js';
import { fakeUpstream } from '../integration/network/servers.js';
import { testSubnet } from '../integration/network/subnets.js';
import {
  fetchLocal,
  startNetworkDaemon,
  type NetworkDaemon,
  type NetworkTraces,
} from '../integration/daemon/networks-fixture.js';

const HTTPD = [
  'sh',
  '-c',
  'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www',
];

async function retry<T>(fn: () => Promise<T>, ok: (v: T) => boolean, tries = 10): Promise<T> {
  let last: T = await fn();
  for (let i = 1; i < tries && !ok(last); i++) {
    await sleep(300);
    last = await fn();
  }
  return last;
}

const CLIENTS = [
  { name: 'docker', skip: existsSync('/usr/local/bin/docker') ? false : 'the docker CLI is not installed' },
  { name: 'berth', skip: false },
] as const;

for (const client of CLIENTS) {
  describe(
    `${client.name}: containers on berthd networks`,
    { skip: skipUnlessRoot || client.skip, timeout: 300_000 },
    () => {
      let d: NetworkDaemon;
      let start: NetworkTraces;
      const cli = (args: string[], input?: string) =>
        client.name === 'docker' ? d.docker(args, { input }) : d.berth(args, { input });
      const ok = async (args: string[]): Promise<string> => {
        const r = await cli(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      before(async () => {
        d = await startNetworkDaemon({ busybox: true });
        start = await d.traces();
      });
      after(async () => {
        await d?.stop();
      });

      test('two containers on a user network reach each other by name and alias', async () => {
        await ok(['network', 'create', 'appnet']);
        await ok([
          'run',
          '-d',
          '--name',
          'srv',
          '--network',
          'appnet',
          '--network-alias',
          'web',
          'busybox',
          ...HTTPD,
        ]);
        const byName = await retry(
          () => cli(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://srv/']),
          (r) => r.code === 0,
        );
        assert.equal(byName.code, 0, byName.stderr);
        assert.match(byName.stdout, /^hello from [0-9a-f]{12}\n$/);
        const byAlias = await cli([
          'run',
          '--rm',
          '--network',
          'appnet',
          'busybox',
          'wget',
          '-qO-',
          'http://web/',
        ]);
        assert.equal(byAlias.stdout, byName.stdout);
        const ping = await cli([
          'run',
          '--rm',
          '--network',
          'appnet',
          'busybox',
          'ping',
          '-c',
          '1',
          '-W',
          '2',
          'srv',
        ]);
        assert.equal(ping.code, 0, ping.stderr);
        const nc = await cli([
          'run',
          '--rm',
          '--network',
          'appnet',
          'busybox',
          'sh',
          '-c',
          'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc srv 80',
        ]);
        assert.match(nc.stdout, /200 OK[\s\S]*hello from/);

        const info = JSON.parse(await ok(['inspect', 'srv']))[0] as {
          Config: { Hostname: string };
          NetworkSettings: {
            SandboxKey: string;
            IPAddress: string;
            Networks: Record<
              string,
              {
                IPAddress: string;
                Gateway: string;
                MacAddress: string;
                NetworkID: string;
                EndpointID: string;
                Aliases: string[];
                DNSNames: string[];
              }
            >;
          };
        };
        const ep = info.NetworkSettings.Networks.appnet!;
        const net = JSON.parse(await ok(['network', 'inspect', 'appnet']))[0] as {
          Id: string;
          IPAM: { Config: { Subnet: string; Gateway: string }[] };
          Containers: Record<string, { Name: string; IPv4Address: string }>;
        };
        assert.equal(ep.NetworkID, net.Id);
        assert.match(ep.EndpointID, /^[0-9a-f]{64}$/);
        assert.equal(ep.Gateway, net.IPAM.Config[0]!.Gateway);
        assert.match(ep.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        assert.deepEqual(ep.Aliases, ['web']);
        assert.ok(ep.DNSNames.includes('srv') && ep.DNSNames.includes('web'), String(ep.DNSNames));
        assert.equal(info.NetworkSettings.IPAddress, '', 'the top-level address is the default bridge only');
        assert.match(info.NetworkSettings.SandboxKey, /\/netns\/[0-9a-f]{64}$/);
        const member = Object.values(net.Containers).find((c) => c.Name === 'srv');
        assert.equal(member?.IPv4Address.split('/')[0], ep.IPAddress);

        const byNet = await ok(['ps', '--filter', 'network=appnet', '--format', '{{.Names}}']);
        assert.equal(byNet, 'srv\n');
        const byNetId = await ok(['ps', '--filter', `network=${net.Id}`, '--format', '{{.Names}}']);
        assert.equal(byNetId, 'srv\n');
        const hosts = await ok(['exec', 'srv', 'cat', '/etc/hosts']);
        assert.match(
          hosts,
          new RegExp(`^${ep.IPAddress.replace(/\./g, '\\.')}\\t${info.Config.Hostname}$`, 'm'),
        );
        const resolv = await ok(['exec', 'srv', 'cat', '/etc/resolv.conf']);
        assert.match(resolv, new RegExp(`^nameserver ${ep.Gateway.replace(/\./g, '\\.')}$`, 'm'));
        assert.equal((resolv.match(/^nameserver/gm) ?? []).length, 1);
      });

      test('a published port answers on the host; port and -P as docker', async () => {
        await ok([
          'run',
          '-d',
          '--name',
          'pub',
          '-p',
          '127.0.0.1::80',
          '--expose',
          '8080',
          '-P',
          'busybox',
          ...HTTPD,
        ]);
        const port = (await ok(['port', 'pub', '80'])).trim();
        assert.match(port, /^127\.0\.0\.1:\d+$/);
        const hostPort = Number(port.split(':')[1]);
        const body = await retry(
          () => fetchLocal(hostPort).catch((e: Error) => e.message),
          (b) => b.startsWith('hello'),
        );
        assert.match(body, /^hello from /);
        const all = await ok(['port', 'pub']);
        assert.match(all, /^80\/tcp -> 127\.0\.0\.1:\d+$/m);
        assert.match(all, /^8080\/tcp -> 0\.0\.0\.0:\d+$/m, '-P publishes the exposed port too');
        const info = JSON.parse(await ok(['inspect', 'pub']))[0] as {
          NetworkSettings: {
            IPAddress: string;
            Gateway: string;
            Networks: { bridge?: { IPAddress: string } };
          };
        };
        assert.ok(info.NetworkSettings.IPAddress, 'the default bridge fills the top-level address');
        assert.equal(info.NetworkSettings.Networks.bridge?.IPAddress, info.NetworkSettings.IPAddress);
        const members = await ok([
          'network',
          'inspect',
          '-f',
          '{{range .Containers}}{{.Name}} {{end}}',
          'bridge',
        ]);
        assert.match(members, /\bpub\b/, 'the default bridge lists its containers');
        const ps = await ok(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}']);
        assert.match(ps, /127\.0\.0\.1:\d+->80\/tcp/);
        const resolv = await ok(['exec', 'pub', 'cat', '/etc/resolv.conf']);
        assert.doesNotMatch(
          resolv,
          /^nameserver 127\./m,
          'the default bridge gets the host resolvers, loopback ones dropped',
        );
        await ok(['rm', '-f', 'pub']);
        const gone = await fetchLocal(hostPort).then(
          () => 'answered',
          (e: Error) => e.message,
        );
        assert.notEqual(gone, 'answered', 'the port went with the container');
      });

      test('two user networks cannot reach each other; an internal one has no route out', async () => {
        await ok(['network', 'create', 'other']);
        const srvIp = (
          await ok(['inspect', '-f', '{{.NetworkSettings.Networks.appnet.IPAddress}}', 'srv'])
        ).trim();
        const across = await cli([
          'run',
          '--rm',
          '--network',
          'other',
          'busybox',
          'ping',
          '-c',
          '2',
          '-W',
          '1',
          srvIp,
        ]);
        assert.notEqual(across.code, 0, 'isolated networks do not route to each other');
        await ok(['network', 'create', '--internal', 'inside']);
        const routes = await ok(['run', '--rm', '--network', 'inside', 'busybox', 'ip', 'route']);
        assert.doesNotMatch(routes, /^default/m);
        const bridged = await ok(['run', '--rm', 'busybox', 'ip', 'route']);
        assert.match(bridged, /^default via /m);
      });

      test('none, host, container: and a static --ip', async () => {
        const none = await ok(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
        assert.deepEqual(
          none
            .trim()
            .split('\n')
            .map((l) => l.split(':')[1]!.trim()),
          ['lo'],
        );
        assert.match(none, /LOOPBACK,UP/);
        const host = await ok(['run', '--rm', '--network', 'host', 'busybox', 'hostname']);
        assert.equal(host.trim(), hostname());
        const joined = await ok([
          'run',
          '--rm',
          '--network',
          'container:srv',
          'busybox',
          'wget',
          '-qO-',
          'http://127.0.0.1/',
        ]);
        assert.match(joined, /^hello from /);
        const subnet = testSubnet();
        await ok(['network', 'create', '--subnet', subnet.cidr, 'fixed']);
        const addr = await ok([
          'run',
          '--rm',
          '--network',
          'fixed',
          '--ip',
          subnet.host(77),
          'busybox',
          'ip',
          '-o',
          '-4',
          'addr',
          'show',
          'eth0',
        ]);
        assert.match(addr, new RegExp(`inet ${subnet.host(77).replace(/\./g, '\\.')}/24`));
        const refused = await cli(['run', '--rm', '--ip', '10.9.9.9', 'busybox', 'true']);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /user specified IP address is supported on user defined networks only/);
        await ok(['network', 'rm', 'fixed']);
      });

      test('connect and disconnect a running container; extra hosts and dns flags', async () => {
        await ok([
          'run',
          '-d',
          '--name',
          'roamer',
          '--add-host',
          'db.local:10.9.9.9',
          '--dns-search',
          'example.test',
          'busybox',
          'sleep',
          '600',
        ]);
        await ok(['network', 'connect', '--alias', 'rover', 'appnet', 'roamer']);
        const links = await ok(['exec', 'roamer', 'ip', '-o', 'link']);
        assert.match(links, /eth1/);
        const reach = await cli(['exec', 'roamer', 'wget', '-qO-', 'http://srv/']);
        assert.equal(reach.code, 0, reach.stderr);
        const hosts = await ok(['exec', 'roamer', 'cat', '/etc/hosts']);
        assert.match(hosts, /^10\.9\.9\.9\tdb\.local$/m);
        const resolv = await ok(['exec', 'roamer', 'cat', '/etc/resolv.conf']);
        assert.match(resolv, /^search example\.test$/m);
        const nets = await ok([
          'inspect',
          '-f',
          '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}',
          'roamer',
        ]);
        assert.equal(nets.trim(), 'appnet bridge');
        await ok(['network', 'disconnect', 'appnet', 'roamer']);
        assert.doesNotMatch(await ok(['exec', 'roamer', 'ip', '-o', 'link']), /eth1/);
        const busy = await cli(['network', 'rm', 'appnet']);
        assert.equal(busy.code, 1);
        assert.match(busy.stderr, /has active endpoints/);
      });

      test("--dns on a user network: the network's server answers names and forwards the rest to it", async () => {
        // The container's own server, asked on port 53 as docker asks it, on a loopback address of its own.
        const address = `127.0.${1 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
        const own = await fakeUpstream({ 'external.test': '198.51.100.7' }, { address, port: 53 });
        try {
          const run = (cmd: string[]) =>
            ok(['run', '--rm', '--network', 'appnet', '--dns', address, 'busybox', ...cmd]);
          const resolv = await run(['cat', '/etc/resolv.conf']);
          assert.doesNotMatch(resolv, new RegExp(address.replace(/\./g, '\\.')), 'only the network server');
          assert.match(await run(['nslookup', 'external.test']), /Address: 198\.51\.100\.7/);
          assert.match(await run(['wget', '-qO-', 'http://srv/']), /hello from/);
          assert.ok(own.asked.includes('external.test'), own.asked.join(' '));
        } finally {
          await own.close();
        }
      });

      test('ten containers started at once on one network get addresses of their own; a policy restart reconnects', async () => {
        const ids = await Promise.all(
          Array.from({ length: 10 }, async (_, i) =>
            (
              await ok(['run', '-d', '--name', `many${i}`, '--network', 'other', 'busybox', 'sleep', '600'])
            ).trim(),
          ),
        );
        const addrs = await Promise.all(
          ids.map(async (id) =>
            (await ok(['inspect', '-f', '{{.NetworkSettings.Networks.other.IPAddress}}', id])).trim(),
          ),
        );
        assert.equal(new Set(addrs).size, 10, addrs.join(' '));
        assert.ok(addrs.every((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)));
        const reach = await ok(['exec', 'many0', 'ping', '-c', '1', '-W', '2', 'many9']);
        assert.match(reach, /1 packets received/);
        await ok(['rm', '-f', ...ids]);
        await ok([
          'run',
          '-d',
          '--name',
          'flaky',
          '--network',
          'other',
          '--restart',
          'on-failure:2',
          'busybox',
          'sh',
          '-c',
          'sleep 0.3; exit 3',
        ]);
        const restarts = await retry(
          async () => (await ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'flaky'])).trim(),
          (v) => v === '2 exited',
          40,
        );
        assert.equal(restarts, '2 exited');
        await ok(['rm', 'flaky']);
      });

      test('after a SIGKILLed berthd and a killed container, a restart leaves nothing behind', async () => {
        await ok([
          'run',
          '-d',
          '--name',
          'victim',
          '--network',
          'other',
          '-p',
          '127.0.0.1::80',
          'busybox',
          ...HTTPD,
        ]);
        const pid = Number((await ok(['inspect', '-f', '{{.State.Pid}}', 'victim'])).trim());
        const during = await d.traces();
        assert.ok(during.veths.length >= 3, `veths of running containers: ${during.veths.join(' ')}`);
        assert.ok(during.netns.length >= 3, 'their namespaces');
        assert.ok(during.leases.length >= 3, 'their leases');
        assert.ok(during.iptables.length > start.iptables.length, 'their masquerade and port rules');
        await d.kill();
        process.kill(pid, 'SIGKILL');
        d = await d.restart();
        const state = await retry(
          async () => (await ok(['inspect', '-f', '{{.State.Status}}', 'victim'])).trim(),
          (s) => s === 'exited',
        );
        assert.equal(state, 'exited');
        // The containers that lived through the restart keep their names on the network.
        const again = await retry(
          () => cli(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://srv/']),
          (r) => r.code === 0,
        );
        assert.match(again.stdout, /^hello from /, again.stderr);
        for (const c of ['victim', 'srv', 'roamer']) await ok(['rm', '-f', c]);
        await ok(['network', 'rm', 'appnet', 'other', 'inside']);
        assert.deepEqual(await d.traces(), start);
      });
    },
  );
}
