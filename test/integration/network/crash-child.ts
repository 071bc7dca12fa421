// The "daemon" that recovery.test.ts kills: it opens a manager on the dirs it is given, makes a network,
// two sandboxes with published ports and a process in each (the "containers"), prints what it made as
// one JSON line, then starts a third attachment whose portmap hangs (a wrapper plugin that sleeps), so
// that the kill lands in the middle of an ADD. Run as: node crash-child.js <json options>.
import { spawn } from 'node:child_process';
import { NetworkManager } from '../../../src/network/index.js';

interface Options {
  root: string;
  state: string;
  pool: { base: string; size: number };
  network: string;
  ids: [string, string, string];
  hangingCniPath: string;
}

const opts = JSON.parse(process.argv[2]!) as Options;
const manager = await NetworkManager.open({
  root: opts.root,
  state: opts.state,
  defaultBridge: false,
  addressPools: [opts.pool],
});
const net = await manager.createNetwork({ name: opts.network });
const made: { netns: string; ip: string; veth?: string; pid: number; ports: number[] }[] = [];
for (const id of opts.ids.slice(0, 2)) {
  const netns = await manager.createSandbox(id);
  const ep = await manager.connect(id, net.name, {
    name: `c-${id.slice(0, 4)}`,
    portMappings: [
      { hostPort: 0, containerPort: 80, protocol: 'tcp' },
      { hostPort: 0, containerPort: 53, protocol: 'udp' },
    ],
  });
  const proc = spawn('nsenter', [`--net=${netns}`, '--', 'busybox', 'sleep', '600'], {
    detached: true,
    stdio: 'ignore',
  });
  proc.unref();
  made.push({
    netns,
    ip: ep.ipv4Address,
    veth: ep.hostVeth,
    pid: proc.pid!,
    ports: ep.ports.map((p) => p.hostPort),
  });
}
console.log(JSON.stringify({ network: net, made }));

// The same state, opened again with a CNI_PATH whose portmap never returns: bridge ADD completes (veth,
// lease, masquerade rule), the record says "adding", and then this process is killed.
const hanging = await NetworkManager.open({
  root: opts.root,
  state: opts.state,
  defaultBridge: false,
  addressPools: [opts.pool],
  cniPath: [opts.hangingCniPath],
});
await hanging.createSandbox(opts.ids[2]);
await hanging.connect(opts.ids[2], net.name, {
  name: 'hangs',
  portMappings: [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }],
});
console.log('portmap returned: the test expected it to hang');
