// Network attach/detach latency of one container namespace to a bridge network:
//   berth      NetworkManager in process: createSandbox (netns + CNI loopback) + connect (CNI bridge with
//              host-local and portmap), then removeSandbox (CNI DEL in reverse, netns unmounted)
//   netavark   podman's network setup (Debian's netavark 1.4): `netavark setup` / `teardown` on a netns
//              made the same way (podman does its IPAM itself, so each run gets a static address)
//   ip         the floor: a veth pair, the bridge, one address and a default route with ip(8), no IPAM,
//              no iptables
// Each takes its own bridge and subnet; they take turns within every iteration so that the machine's
// load drifts over all alike. Prints medians and ratios to netavark. Everything is removed afterwards
// (netavark's shared chains too, when it made them).
//
//   node build/bench/network.js [iterations=30]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkManager } from '../src/network/index.js';
import { createNetns, removeNetns } from '../src/network/netns.js';
import { testSubnet } from '../test/integration/network/subnets.js';
import { median, ratio } from './peers.js';

const iterations = Number(process.argv[2] ?? 30);
const WARMUP = 3;
const NETAVARK = '/usr/lib/podman/netavark';

const run = (file: string, args: string[], input?: string) =>
  execFileSync(file, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

interface Contender {
  name: string;
  attach(i: number): Promise<void>;
  detach(i: number): Promise<void>;
  cleanup(): Promise<void>;
}

function netavarkChains(): string[] {
  return ['filter', 'nat'].flatMap((t) =>
    execFileSync('iptables-save', ['-t', t], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('NETAVARK')),
  );
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-net-'));
  const tag = process.pid.toString(36);
  const contenders: Contender[] = [];

  const berthNet = testSubnet();
  const manager = await NetworkManager.open({
    root: join(work, 'root'),
    state: join(work, 'state'),
    defaultBridge: false,
  });
  const net = await manager.createNetwork({ name: `bench-${tag}`, subnet: berthNet.cidr });
  contenders.push({
    name: 'berth',
    attach: async (i) => {
      await manager.createSandbox(`b${tag}-${i}`);
      await manager.connect(`b${tag}-${i}`, net.name, { name: `b${i}` });
    },
    detach: (i) => manager.removeSandbox(`b${tag}-${i}`),
    cleanup: () => manager.purge().then(() => manager.close()),
  });

  const navNet = testSubnet();
  const navBridge = `bn${tag}`.slice(0, 15);
  const hadNetavarkChains = netavarkChains().length > 0;
  const navConfig = (i: number) => {
    const file = join(work, `netavark-${i}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        container_id: `${tag}${i}`.padEnd(64, '0'),
        container_name: `n${i}`,
        networks: {
          [`bench-nav-${tag}`]: { interface_name: 'eth0', static_ips: [navNet.host(10 + (i % 200))] },
        },
        network_info: {
          [`bench-nav-${tag}`]: {
            dns_enabled: false,
            driver: 'bridge',
            id: tag.padEnd(64, 'a'),
            internal: false,
            ipv6_enabled: false,
            name: `bench-nav-${tag}`,
            network_interface: navBridge,
            subnets: [{ subnet: navNet.cidr, gateway: navNet.host(1) }],
          },
        },
      }),
    );
    return file;
  };
  const navNetns = (i: number) => join(work, 'netns-nav', `n${i}`);
  contenders.push({
    name: 'netavark',
    attach: async (i) => {
      createNetns(join(work, 'netns-nav'), `n${i}`);
      run(NETAVARK, ['--config', join(work, 'nav'), '-f', navConfig(i), 'setup', navNetns(i)]);
    },
    detach: async (i) => {
      run(NETAVARK, ['--config', join(work, 'nav'), '-f', navConfig(i), 'teardown', navNetns(i)]);
      removeNetns(navNetns(i));
    },
    // netavark removes its bridge with the last container; this is for a run cut short.
    cleanup: async () => void execFileSync('sh', ['-c', `ip link del ${navBridge} 2>/dev/null || true`]),
  });

  const ipNet = testSubnet();
  const ipBridge = `bi${tag}`.slice(0, 15);
  run('ip', ['link', 'add', ipBridge, 'type', 'bridge']);
  run('ip', ['addr', 'add', `${ipNet.host(1)}/24`, 'dev', ipBridge]);
  run('ip', ['link', 'set', ipBridge, 'up']);
  const ipNetns = (i: number) => join(work, 'netns-ip', `i${i}`);
  contenders.push({
    name: 'ip',
    attach: async (i) => {
      const ns = createNetns(join(work, 'netns-ip'), `i${i}`);
      const veth = `vi${tag}${i}`.slice(0, 15);
      run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      run('ip', ['link', 'set', veth, 'master', ipBridge, 'up']);
      run('nsenter', [`--net=${ns}`, 'ip', 'addr', 'add', `${ipNet.host(10 + (i % 200))}/24`, 'dev', 'eth0']);
      run('nsenter', [`--net=${ns}`, 'ip', 'link', 'set', 'eth0', 'up']);
      run('nsenter', [`--net=${ns}`, 'ip', 'route', 'add', 'default', 'via', ipNet.host(1)]);
    },
    detach: async (i) => {
      run('ip', ['link', 'del', `vi${tag}${i}`.slice(0, 15)]);
      removeNetns(ipNetns(i));
    },
    cleanup: async () => void run('ip', ['link', 'del', ipBridge]),
  });

  const samples = new Map(
    contenders.map((c) => [c.name, { attach: [] as number[], detach: [] as number[] }]),
  );
  try {
    for (let i = 0; i < iterations + WARMUP; i++) {
      for (const c of contenders) {
        let t0 = process.hrtime.bigint();
        await c.attach(i);
        const attach = ms(t0);
        t0 = process.hrtime.bigint();
        await c.detach(i);
        const detach = ms(t0);
        if (i < WARMUP) continue;
        samples.get(c.name)!.attach.push(attach);
        samples.get(c.name)!.detach.push(detach);
      }
    }
  } finally {
    for (const c of contenders) await c.cleanup().catch((err) => console.error(`${c.name} cleanup: ${err}`));
    if (!hadNetavarkChains) removeNetavarkChains();
    rmSync(work, { recursive: true, force: true });
  }

  const base = samples.get('netavark')!;
  const baseAttach = median(base.attach);
  const baseDetach = median(base.detach);
  console.log(`network attach/detach, ${iterations} iterations (medians; ratio to netavark)`);
  console.log('| setup | attach | ratio | detach | ratio |');
  console.log('|---|---|---|---|---|');
  for (const [name, s] of samples) {
    const a = median(s.attach);
    const d = median(s.detach);
    console.log(
      `| ${name} | ${a.toFixed(1)} ms | ${ratio(a, baseAttach)} | ${d.toFixed(1)} ms | ${ratio(d, baseDetach)} |`,
    );
  }
}

/** netavark leaves its shared chains behind (as portmap does); take them away when it made them. */
function removeNetavarkChains(): void {
  const quiet = (args: string[]) => {
    try {
      execFileSync('iptables', ['-w', '30', ...args], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  quiet([
    '-D',
    'FORWARD',
    '-m',
    'comment',
    '--comment',
    'netavark firewall plugin rules',
    '-j',
    'NETAVARK_FORWARD',
  ]);
  quiet(['-F', 'NETAVARK_FORWARD']);
  quiet(['-X', 'NETAVARK_FORWARD']);
  for (const chain of ['PREROUTING', 'OUTPUT'])
    quiet([
      '-t',
      'nat',
      '-D',
      chain,
      '-m',
      'addrtype',
      '--dst-type',
      'LOCAL',
      '-j',
      'NETAVARK-HOSTPORT-DNAT',
    ]);
  quiet(['-t', 'nat', '-D', 'POSTROUTING', '-j', 'NETAVARK-HOSTPORT-MASQ']);
  for (const chain of ['NETAVARK-HOSTPORT-DNAT', 'NETAVARK-HOSTPORT-MASQ', 'NETAVARK-HOSTPORT-SETMARK']) {
    quiet(['-t', 'nat', '-F', chain]);
    quiet(['-t', 'nat', '-X', chain]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
