// A private berthd for network and volume tests: its default bridge on a unique device and a test subnet,
// user networks from a test pool (so that other engineers' daemons and tests on this machine never share a
// device or a subnet), and a stop that takes down everything of its networking (bridges, iptables rules,
// namespaces, leases) after the daemon is gone. `leaks()` reports what of its networking is still on the
// host, read from the kernel and the tools, never from berthd's word.
import { get } from 'node:http';
import { join } from 'node:path';
import { NetworkManager } from '../../../src/network/index.js';
import { hostLinks, iptablesLines, leases, nsfsMountsUnder, token } from '../network/host.js';
import { testPool, testSubnet } from '../network/subnets.js';
import { seedBusyboxImage } from '../../fixtures/store-image.js';
import { cleanupDaemon } from '../containers/harness.js';
import { startBerthd, type TestDaemon } from './harness.js';

/** What of one daemon's networking is on the host now. */
export interface NetworkTraces {
  bridges: string[];
  veths: string[];
  netns: string[];
  iptables: string[];
  leases: string[];
}

/** A berthd with private networking, and the means to check and undo it. */
export interface NetworkDaemon extends TestDaemon {
  /** The default bridge's device. */
  bridge: string;
  /** The default bridge's subnet (`10.x.y.0/24`). */
  bridgeSubnet: string;
  /** What of this daemon's networking is on the host (bridges of its networks, their veths, ...). */
  traces(): Promise<NetworkTraces>;
  /** Starts a daemon again on the same directories (after kill). */
  restart(): Promise<NetworkDaemon>;
}

/** Starts berthd with its own default bridge and address pool (and busybox:latest in its store). */
export async function startNetworkDaemon(opts: { busybox?: boolean } = {}): Promise<NetworkDaemon> {
  const bridge = `bt${token()}`;
  const subnet = testSubnet();
  const pool = testPool();
  const config = {
    bridge,
    bip: `${subnet.host(1)}/24`,
    'default-address-pools': [pool],
  };
  return wrap(
    await startBerthd({ config, ...(opts.busybox && { seed: (root: string) => seedBusyboxImage(root) }) }),
    bridge,
    subnet.cidr,
    config,
  );
}

function wrap(d: TestDaemon, bridge: string, bridgeSubnet: string, config: object): NetworkDaemon {
  const seen = { bridges: new Set([bridge]), subnets: new Set([bridgeSubnet]) };
  const watch = async (): Promise<void> => {
    if (d.child.exitCode !== null || d.child.signalCode !== null) return;
    const r = await d.api('GET', '/networks');
    if (r.status !== 200) return;
    for (const n of r.body as {
      Driver: string;
      Options: Record<string, string>;
      Id: string;
      IPAM: { Config: { Subnet: string }[] };
    }[]) {
      if (n.Driver !== 'bridge') continue;
      seen.bridges.add(n.Options['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`);
      for (const c of n.IPAM.Config) seen.subnets.add(c.Subnet);
    }
  };
  const stopDaemon = d.stop;
  const killDaemon = d.kill;
  const nd: NetworkDaemon = Object.assign(d, {
    bridge,
    bridgeSubnet,
    traces: async (): Promise<NetworkTraces> => {
      await watch();
      const bridges = [...seen.bridges];
      const links = await hostLinks();
      return {
        bridges: links
          .filter((l) => bridges.includes(l.ifname))
          .map((l) => l.ifname)
          .sort(),
        veths: links
          .filter((l) => l.kind === 'veth' && bridges.includes(l.master ?? ''))
          .map((l) => l.ifname)
          .sort(),
        netns: nsfsMountsUnder(d.dir),
        iptables: await iptablesLines([...bridges, ...seen.subnets]),
        leases: leases(join(d.state, 'network', 'ipam')),
      };
    },
    kill: async () => {
      await watch();
      await killDaemon();
    },
    restart: async () => {
      const again = await startBerthd({ config, dir: d.dir });
      return wrap(again, bridge, bridgeSubnet, config);
    },
    stop: async () => {
      await watch();
      // Every container removed through the API, then the daemon stopped; mounts and shims undone.
      await cleanupDaemon({ ...d, stop: (o) => (o?.keep ? stopDaemon(o) : Promise.resolve()) });
      // What a daemon leaves on purpose (its bridges, as dockerd leaves docker0) goes with the test.
      const manager = await NetworkManager.open({ root: d.root, state: d.state, defaultBridge: false });
      try {
        await manager.purge();
      } finally {
        await manager.close();
        await stopDaemon();
      }
    },
  });
  return nd;
}

/** GET http://127.0.0.1:<port>/ from the host (a published port); rejects when nothing answers. */
export function fetchLocal(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
