// Pod sandboxes through the CRI socket, the way kubelet drives them: run, status, list with filters, stop
// twice, remove twice, status of a removed pod; hostNetwork, a CNI-networked pod (its IP in the status and
// on eth0 inside its netns), sysctls and hostname inside the holder's namespaces; the failure flows.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { exec, skipUnlessRoot } from '../runtime/harness.js';
import { CriTest, rejects } from './harness.js';

let t: CriTest;
before(async () => {
  if (!skipUnlessRoot) t = await CriTest.start();
});
after(async () => {
  await t?.cleanup();
});

interface PodStatus {
  status: {
    id: string;
    state: string;
    created_at: string;
    network: { ip: string };
    metadata: { name: string };
    labels: Record<string, string>;
    linux: { namespaces: { options: { network: string } } };
  };
  info: Record<string, string>;
}

async function podStatus(id: string, verbose = false): Promise<PodStatus> {
  return t.client.call<PodStatus>('runtime', 'PodSandboxStatus', { pod_sandbox_id: id, verbose });
}

async function holderPid(id: string): Promise<number> {
  const st = await podStatus(id, true);
  return (JSON.parse(st.info.info!) as { pid: number }).pid;
}

test('Version, Status, RuntimeConfig and an unserved method', { skip: skipUnlessRoot }, async () => {
  const v = await t.client.call('runtime', 'Version', { version: '0.1.0' });
  assert.deepEqual(v, {
    version: '0.1.0',
    runtime_name: 'berth',
    runtime_version: '0.0.0-test',
    runtime_api_version: 'v1',
  });
  const s = await t.client.call<{ status: { conditions: { type: string; status: boolean }[] } }>(
    'runtime',
    'Status',
    {},
  );
  assert.deepEqual(
    s.status.conditions.map((c) => [c.type, c.status]),
    [
      ['RuntimeReady', true],
      ['NetworkReady', true],
    ],
  );
  assert.deepEqual(await t.client.call('runtime', 'RuntimeConfig', {}), {
    linux: { cgroup_driver: 'CGROUPFS' },
  });
  await rejects(
    t.client.call('runtime', 'CheckpointContainer', {}),
    status.UNIMPLEMENTED,
    /^CheckpointContainer: not implemented by berth: /,
  );
});

test(
  'a hostNetwork pod: ready, listed, stopped twice, removed twice, then not found',
  { skip: skipUnlessRoot },
  async () => {
    const config = t.podConfig(
      'hostnet',
      { labels: { app: 'a', tier: 'x' } },
      {
        security_context: { namespace_options: { network: 'NODE', pid: 'POD', ipc: 'POD' } },
      },
    );
    const before = BigInt(Date.now()) * 1_000_000n;
    const id = await t.runPod(config);
    assert.match(id, /^[0-9a-f]{32}$/);
    const st = await podStatus(id);
    assert.equal(st.status.state, 'SANDBOX_READY');
    assert.equal(st.status.metadata.name, 'hostnet');
    assert.equal(st.status.network.ip, '');
    assert.equal(st.status.linux.namespaces.options.network, 'NODE');
    assert.ok(BigInt(st.status.created_at) >= before, 'created_at is in nanoseconds');
    const pid = await holderPid(id);
    // hostNetwork: the holder is in the host's net namespace, in its own ipc and pid ones.
    assert.equal(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'));
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/ipc`), readlinkSync('/proc/self/ns/ipc'));
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^\/pause\0$/);

    const ids = async (filter: object): Promise<string[]> =>
      (await t.client.call<{ items: { id: string }[] }>('runtime', 'ListPodSandbox', { filter })).items.map(
        (p) => p.id,
      );
    assert.deepEqual(await ids({ label_selector: { app: 'a' } }), [id]);
    assert.deepEqual(await ids({ label_selector: { app: 'b' } }), []);
    assert.deepEqual(await ids({ id: id.slice(0, 12) }), [id]);
    assert.deepEqual(await ids({ state: { state: 'SANDBOX_NOTREADY' }, label_selector: { app: 'a' } }), []);

    await t.client.call('runtime', 'StopPodSandbox', { pod_sandbox_id: id });
    assert.equal(
      existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'),
      false,
    );
    assert.equal((await podStatus(id)).status.state, 'SANDBOX_NOTREADY');
    assert.deepEqual(await ids({ state: { state: 'SANDBOX_NOTREADY' }, label_selector: { app: 'a' } }), [id]);
    await t.client.call('runtime', 'StopPodSandbox', { pod_sandbox_id: id });
    await t.client.call('runtime', 'RemovePodSandbox', { pod_sandbox_id: id });
    await t.client.call('runtime', 'RemovePodSandbox', { pod_sandbox_id: id });
    await t.client.call('runtime', 'StopPodSandbox', { pod_sandbox_id: id });
    await rejects(podStatus(id), status.NOT_FOUND, new RegExp(`^pod sandbox "${id}": not found$`));
    assert.deepEqual(await ids({ id }), []);
  },
);

test(
  'a CNI pod: its IP on eth0 in its netns, hostname and sysctls in its namespaces',
  { skip: skipUnlessRoot },
  async () => {
    const config = t.podConfig(
      'cni-pod',
      {
        dns_config: {
          servers: ['10.96.0.10'],
          searches: ['default.svc.cluster.local'],
          options: ['ndots:5'],
        },
      },
      {
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80', 'kernel.shm_rmid_forced': '1' },
      },
    );
    const id = await t.runPod(config);
    const st = await podStatus(id);
    assert.equal(st.status.state, 'SANDBOX_READY');
    assert.match(st.status.network.ip, /^\d+\.\d+\.\d+\.\d+$/);
    const pid = await holderPid(id);
    const addr = await exec('nsenter', [
      `--net=/proc/${pid}/ns/net`,
      'ip',
      '-4',
      '-o',
      'addr',
      'show',
      'eth0',
    ]);
    assert.equal(addr.code, 0, addr.stderr);
    assert.match(addr.stdout, new RegExp(` ${st.status.network.ip.replace(/\./g, '\\.')}/`));
    const host = await exec('nsenter', [`--uts=/proc/${pid}/ns/uts`, 'hostname']);
    assert.equal(host.stdout.trim(), 'cni-pod');
    // Namespaced sysctls read as the reader's namespace has them (sysctl(2), proc(5) /proc/sys).
    const sysctl = await exec('nsenter', [
      `--net=/proc/${pid}/ns/net`,
      'cat',
      '/proc/sys/net/ipv4/ip_unprivileged_port_start',
    ]);
    assert.equal(sysctl.stdout.trim(), '80');
    const shm = await exec('nsenter', [
      `--ipc=/proc/${pid}/ns/ipc`,
      'cat',
      '/proc/sys/kernel/shm_rmid_forced',
    ]);
    assert.equal(shm.stdout.trim(), '1');
    assert.equal(
      readFileSync(`${t.criRoot}/sandboxes/${id}/resolv.conf`, 'utf8'),
      'nameserver 10.96.0.10\nsearch default.svc.cluster.local\noptions ndots:5\n',
    );
    // The pod answers from the host through the bridge (busybox-static's ping: the host has no iputils).
    const ping = await exec('busybox', ['ping', '-c', '1', '-W', '5', st.status.network.ip]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    await t.client.call('runtime', 'StopPodSandbox', { pod_sandbox_id: id });
    assert.equal((await podStatus(id)).status.network.ip, '');
    await t.client.call('runtime', 'RemovePodSandbox', { pod_sandbox_id: id });
  },
);

test('bad pod configs are refused by field, and leave nothing behind', { skip: skipUnlessRoot }, async () => {
  const count = async (): Promise<number> =>
    (await t.client.call<{ items: unknown[] }>('runtime', 'ListPodSandbox', {})).items.length;
  const n = await count();
  const noName = t.podConfig('');
  await rejects(t.runPod(noName), status.INVALID_ARGUMENT, /^config\.metadata\.name: must not be empty$/);
  await rejects(
    t.runPod(t.podConfig('h'), 'nosuch'),
    status.INVALID_ARGUMENT,
    /^runtime_handler "nosuch": no such runtime \(configured: ""\)$/,
  );
  await rejects(
    t.runPod({ ...t.podConfig('s'), linux: { cgroup_parent: 'kubepods.slice' } }),
    status.INVALID_ARGUMENT,
    /^config\.linux\.cgroup_parent "kubepods\.slice": a systemd slice needs the systemd cgroup driver/,
  );
  await rejects(
    t.runPod(
      t.podConfig('ports', { port_mappings: [{ protocol: 'TCP', container_port: 70000, host_port: 0 }] }),
    ),
    status.INVALID_ARGUMENT,
    /^run pod sandbox "ports": config\.port_mappings\[0\]\.container_port: 70000 is not a port number$/,
  );
  const same = t.podConfig('twice', {}, { security_context: { namespace_options: { network: 'NODE' } } });
  const id = await t.runPod(same);
  await rejects(t.runPod(same), status.ALREADY_EXISTS, /^pod sandbox "twice" .*attempt 0\): already exists$/);
  await t.client.call('runtime', 'RemovePodSandbox', { pod_sandbox_id: id });
  await rejects(
    t.client.call('runtime', 'StopPodSandbox', {}),
    status.INVALID_ARGUMENT,
    /^pod_sandbox_id: must not be empty$/,
  );
  assert.equal(await count(), n);
  assert.deepEqual(t.shims.list(), []);
});
