// Teardown after a crash: a child process (crash-child.ts) builds a network with sandboxes, published
// ports and a process in each, and is SIGKILLed in the middle of a third ADD; the containers' processes
// are killed too. A new manager on the same dirs, as a restarted daemon, finds everything through its
// records, keeps what a live container uses, and tears the rest down until the host is as it was.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NetworkRecord } from '../../../src/network/index.js';
import { removeNetns } from '../../../src/network/netns.js';
import { containerId, NetworkWorld, reachable, type HostSnapshot } from './fixture.js';
import { hostLinks, iptablesLines, leases, nsfsMountsUnder, skipUnlessRoot, token } from './host.js';
import { tcpFetch } from './servers.js';

interface ChildReport {
  network: NetworkRecord;
  made: { netns: string; ip: string; veth?: string; pid: number; ports: number[] }[];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('teardown after a crash', { skip: skipUnlessRoot }, () => {
  const world = new NetworkWorld();
  const ids: [string, string, string] = [containerId(), containerId(), containerId()];
  const cniDir = join(world.scratch.path, 'cni-hanging');
  const hangPidFile = join(world.scratch.path, 'portmap.pid');
  const pids: number[] = [];
  let start: HostSnapshot;
  let report: ChildReport;

  before(async () => {
    // CNI_PATH for the attachment that must hang: the real plugins, but a portmap that sleeps.
    mkdirSync(cniDir);
    for (const p of ['bridge', 'host-local', 'loopback']) symlinkSync(`/usr/lib/cni/${p}`, join(cniDir, p));
    writeFileSync(
      join(cniDir, 'portmap'),
      `#!/bin/sh\n[ "$CNI_COMMAND" = VERSION ] && exec /usr/lib/cni/portmap\necho $$ > ${hangPidFile}\nexec sleep 600\n`,
    );
    chmodSync(join(cniDir, 'portmap'), 0o755);
    await world.open();
    start = await world.snapshot();
  });
  after(async () => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await world.destroy();
  });

  test('the child builds its network, hangs in a portmap ADD, and is killed there', async () => {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const child = spawn(
      process.execPath,
      [
        new URL('./crash-child.js', import.meta.url).pathname,
        JSON.stringify({
          root: world.root,
          state: world.state,
          pool: world.pool,
          network: `crash-${token()}`,
          ids,
          hangingCniPath: cniDir,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    pids.push(child.pid!);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor(() => existsSync(hangPidFile) && out.includes('\n'), `the child to reach portmap (${err})`);
    report = JSON.parse(out.split('\n')[0]!) as ChildReport;
    for (const m of report.made) pids.push(m.pid);
    const hangPid = Number(readFileSync(hangPidFile, 'utf8'));
    pids.push(hangPid);
    process.kill(child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    process.kill(hangPid, 'SIGKILL');
    // The "containers" die too: only the bind mounts keep their namespaces.
    for (const m of report.made) process.kill(m.pid, 'SIGKILL');
    await waitFor(() => report.made.every((m) => !alive(m.pid)) && !alive(hangPid), 'the processes to die');
    world.watch();
    world.watched.bridges.add(report.network.bridge);
    world.watched.subnets.add(report.network.subnet);
    for (const m of report.made) if (m.veth) world.watched.veths.add(m.veth);

    // What the crash left: three namespaces, three leases, veths on the bridge, published ports' rules.
    assert.equal(nsfsMountsUnder(world.state).length, 3);
    assert.equal(leases(join(world.state, 'network', 'ipam')).length, 3);
    const veths = (await hostLinks()).filter((l) => l.master === report.network.bridge);
    assert.equal(veths.length, 3);
    assert.ok((await iptablesLines([`${report.made[0]!.ip}:80`])).length > 0);
    assert.ok((await iptablesLines(ids.map((id) => `id: \\"${id}\\"`))).length > 0);
  });

  test('a restarted manager keeps the live container working and tears down the dead ones', async () => {
    const [live, dead, half] = ids;
    // The dead container's namespace is lost as well (as after an unmount by hand): the bridge plugin's DEL
    // then cannot find the addresses whose masquerade rules it made; Berth sweeps them by their comment.
    removeNetns(report.made[1]!.netns);
    assert.ok((await iptablesLines([`name: \\"${report.network.name}\\" id: \\"${dead}\\"`])).length > 0);
    const manager = await world.open();
    const result = await manager.recover((id) => id === live);
    assert.deepEqual(result, { removed: [dead, half].sort(), failed: [] });
    assert.deepEqual(nsfsMountsUnder(world.state), [report.made[0]!.netns]);
    assert.equal(leases(join(world.state, 'network', 'ipam')).length, 1);
    assert.deepEqual(
      manager.endpoints(live).map((e) => e.ipv4Address),
      [report.made[0]!.ip],
    );
    // The dead one's ports are gone; the live one's endpoint still works (its gateway answers).
    assert.deepEqual(await iptablesLines([`${report.made[1]!.ip}:`]), []);
    assert.deepEqual(await iptablesLines([`id: \\"${dead}\\"`, `id: \\"${half}\\"`]), []);
    assert.equal(await tcpFetch('127.0.0.1', report.made[1]!.ports[0]!), 'ECONNREFUSED');
    assert.ok(await reachable(report.made[0]!.netns, report.network.gateway));
    assert.equal((await hostLinks()).filter((l) => l.master === report.network.bridge).length, 1);
    // A second recovery finds nothing more to do.
    assert.deepEqual(await manager.recover((id) => id === live), { removed: [], failed: [] });
  });

  test('once the last container and the network are removed, the host is as it was', async () => {
    await world.manager.removeSandbox(ids[0]);
    await world.manager.removeNetwork(report.network.name);
    assert.deepEqual(await world.snapshot(), start);
  });
});
