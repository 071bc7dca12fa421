// The flow kubelet drives, over the CRI socket against images from a real docker-registry: pull, image
// status and list, a pod, containers created and started in it, logs in the CRI format at
// <log_directory>/<log_path>, ExecSync, stop, status with reasons (Completed, Error, OOMKilled), events,
// remove; failure flows (image not found, a bad config) answer with the right status and leave nothing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { parseCriLog, streamsOf } from '../../../src/cri/containers/cri-log.js';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { RUNTIME, skipUnlessRoot } from '../runtime/harness.js';
import { CriTest, pushBusybox, rejects } from './harness.js';

let t: CriTest;
let reg: TestRegistry;
let image: string;
before(async () => {
  if (skipUnlessRoot) return;
  reg = await startRegistry();
  t = await CriTest.start({ runtimes: { 'berth-runtime': { path: RUNTIME } } });
  image = await pushBusybox(reg, t.dir);
});
after(async () => {
  await t?.cleanup();
  await reg?.stop();
});

interface Status {
  status: {
    id: string;
    state: string;
    exit_code: number;
    reason: string;
    message: string;
    created_at: string;
    started_at: string;
    finished_at: string;
    log_path: string;
    image_ref: string;
    metadata: { name: string; attempt: number };
  };
}

const call = <T = Record<string, unknown>>(method: string, req: object = {}): Promise<T> =>
  t.client.call<T>('runtime', method, req);

async function containerStatus(id: string): Promise<Status['status']> {
  return (await call<Status>('ContainerStatus', { container_id: id })).status;
}

async function waitExited(id: string): Promise<Status['status']> {
  for (let i = 0; i < 300; i++) {
    const st = await containerStatus(id);
    if (st.state === 'CONTAINER_EXITED') return st;
    await sleep(100);
  }
  throw new Error(`container ${id} did not exit`);
}

function containerConfig(
  name: string,
  command: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { metadata: { name, attempt: 0 }, image: { image }, command, log_path: `${name}/0.log`, ...extra };
}

async function create(
  pod: string,
  podConfig: Record<string, unknown>,
  config: Record<string, unknown>,
): Promise<string> {
  const res = await call<{ container_id: string }>('CreateContainer', {
    pod_sandbox_id: pod,
    config,
    sandbox_config: podConfig,
  });
  return res.container_id;
}

test('pull, image status and list, ImageFsInfo', { skip: skipUnlessRoot }, async () => {
  const pulled = await t.client.call<{ image_ref: string }>('image', 'PullImage', { image: { image } });
  assert.match(pulled.image_ref, /^sha256:[0-9a-f]{64}$/);
  const st = await t.client.call<{ image: { id: string; repo_tags: string[]; size: string } | null }>(
    'image',
    'ImageStatus',
    {
      image: { image },
    },
  );
  assert.equal(st.image?.id, pulled.image_ref);
  assert.deepEqual(st.image?.repo_tags, [image]);
  assert.ok(Number(st.image?.size) > 0);
  const missing = await t.client.call<{ image: unknown }>('image', 'ImageStatus', {
    image: { image: `${reg.host}/nope:1` },
  });
  assert.equal(missing.image, null);
  const list = await t.client.call<{ images: { id: string }[] }>('image', 'ListImages', {});
  assert.deepEqual(
    list.images.map((i) => i.id),
    [pulled.image_ref],
  );
  const fs = await t.client.call<{ image_filesystems: { used_bytes: { value: string } }[] }>(
    'image',
    'ImageFsInfo',
    {},
  );
  assert.ok(Number(fs.image_filesystems[0]!.used_bytes.value) > 0);
  await rejects(
    t.client.call('image', 'PullImage', { image: { image: `${reg.host}/library/absent:1` } }),
    status.NOT_FOUND,
    /absent/,
  );
});

test(
  'containers in a pod: run, logs, exec, stop, reasons, events, remove',
  { skip: skipUnlessRoot },
  async () => {
    await t.client.call('image', 'PullImage', { image: { image } });
    const podConfig = t.podConfig('web');
    const pod = await t.runPod(podConfig, 'berth-runtime');
    const events: { container_id: string; container_event_type: string }[] = [];
    const stream = t.client.stream('runtime', 'GetContainerEvents', {});
    stream.on('data', (e: { container_id: string; container_event_type: string }) => events.push(e));
    stream.on('error', () => undefined);
    await sleep(100);

    const before = BigInt(Date.now()) * 1_000_000n;
    const server = await create(
      pod,
      podConfig,
      containerConfig('server', ['sh', '-c', 'echo hello; echo oops >&2; exec sleep 1000'], {
        envs: [{ key: 'GREETING', value: Buffer.from('hi there') }],
        labels: { role: 'server' },
      }),
    );
    let st = await containerStatus(server);
    assert.equal(st.state, 'CONTAINER_CREATED');
    assert.ok(BigInt(st.created_at) >= before);
    await call('StartContainer', { container_id: server });
    st = await containerStatus(server);
    assert.equal(st.state, 'CONTAINER_RUNNING');
    assert.ok(BigInt(st.started_at) >= BigInt(st.created_at));
    const logPath = join(podConfig.log_directory as string, 'server', '0.log');
    assert.equal(st.log_path, logPath);

    const ex = await call<{ stdout: Buffer; stderr: Buffer; exit_code: number }>('ExecSync', {
      container_id: server,
      cmd: ['sh', '-c', 'echo "$GREETING from $(hostname)"; echo to-err >&2; exit 3'],
      timeout: 10,
    });
    assert.equal(ex.stdout.toString(), 'hi there from web\n');
    assert.equal(ex.stderr.toString(), 'to-err\n');
    assert.equal(ex.exit_code, 3);
    await rejects(
      call('ExecSync', { container_id: server, cmd: ['sleep', '30'], timeout: 1 }),
      status.UNAVAILABLE,
      /timed out after 1s/,
    );

    // Statistics from the cgroups: the second sample has a CPU rate; the pod covers holder and container.
    type Stats = {
      attributes: { id: string };
      cpu: { usage_core_nano_seconds: { value: string }; usage_nano_cores: { value: string } | null };
      memory: { working_set_bytes: { value: string } };
      writable_layer: { used_bytes: { value: string } } | null;
    };
    const s1 = (await call<{ stats: Stats }>('ContainerStats', { container_id: server })).stats;
    assert.ok(Number(s1.cpu.usage_core_nano_seconds.value) > 0);
    assert.ok(Number(s1.memory.working_set_bytes.value) > 0);
    assert.ok(s1.writable_layer !== null);
    const s2 = (await call<{ stats: Stats[] }>('ListContainerStats', { filter: { pod_sandbox_id: pod } }))
      .stats;
    assert.deepEqual(
      s2.map((s) => s.attributes.id),
      [server],
    );
    assert.ok(s2[0]!.cpu.usage_nano_cores !== null, 'a second sample has a rate');
    const ps = (
      await call<{
        stats: {
          linux: {
            process: { process_count: { value: string } };
            network: { default_interface: { name: string } };
            containers: Stats[];
          };
        };
      }>('PodSandboxStats', { pod_sandbox_id: pod })
    ).stats.linux;
    assert.ok(Number(ps.process.process_count.value) >= 2, 'the holder and the container');
    assert.equal(ps.network.default_interface.name, 'eth0');
    assert.deepEqual(
      ps.containers.map((s) => s.attributes.id),
      [server],
    );

    // New limits reach the cgroup at once and the status.
    await call('UpdateContainerResources', {
      container_id: server,
      linux: { memory_limit_in_bytes: String(64 * 1024 * 1024), cpu_shares: '512' },
    });
    const cg = `/sys/fs/cgroup/memory${t.cgroupParent}/${server}/memory.limit_in_bytes`;
    assert.equal(readFileSync(cg, 'utf8').trim(), String(64 * 1024 * 1024));
    const updated = await call<{ status: { resources: { linux: { cpu_shares: string } } } }>(
      'ContainerStatus',
      { container_id: server },
    );
    assert.equal(updated.status.resources.linux.cpu_shares, '512');
    await rejects(
      call('UpdateContainerResources', { container_id: server, linux: { memory_limit_in_bytes: '1024' } }),
      status.INVALID_ARGUMENT,
      /Minimum memory limit allowed is 6MB/,
    );

    // The log file, in the CRI format, as kubelet reads it.
    const lines = readFileSync(logPath, 'utf8').trim().split('\n');
    for (const line of lines)
      assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) F /);
    const out = streamsOf(parseCriLog(readFileSync(logPath)));
    assert.equal(out.stdout.toString(), 'hello\n');
    assert.equal(out.stderr.toString(), 'oops\n');

    const list = async (filter: object): Promise<string[]> =>
      (await call<{ containers: { id: string }[] }>('ListContainers', { filter })).containers.map(
        (c) => c.id,
      );
    const fails = await create(pod, podConfig, containerConfig('fails', ['sh', '-c', 'exit 1']));
    assert.deepEqual(await list({ label_selector: { role: 'server' } }), [server]);
    assert.deepEqual(await list({ state: { state: 'CONTAINER_CREATED' }, pod_sandbox_id: pod }), [fails]);
    await call('StartContainer', { container_id: fails });
    const failed = await waitExited(fails);
    assert.equal(failed.exit_code, 1);
    assert.equal(failed.reason, 'Error');
    assert.ok(BigInt(failed.finished_at) >= BigInt(failed.started_at));

    const done = await create(pod, podConfig, containerConfig('done', ['true']));
    await call('StartContainer', { container_id: done });
    const completed = await waitExited(done);
    assert.deepEqual([completed.exit_code, completed.reason], [0, 'Completed']);

    // SIGTERM is what sleep dies of; the timeout (2 s) is not reached.
    await call('StopContainer', { container_id: server, timeout: 2 });
    st = await containerStatus(server);
    assert.deepEqual([st.state, st.exit_code, st.reason], ['CONTAINER_EXITED', 143, 'Error']);
    await call('StopContainer', { container_id: server, timeout: 2 });
    await rejects(
      call('StartContainer', { container_id: server }),
      status.FAILED_PRECONDITION,
      /is exited, not created/,
    );

    for (const id of [server, fails, done]) {
      await call('RemoveContainer', { container_id: id });
      await call('RemoveContainer', { container_id: id });
    }
    await rejects(
      containerStatus(server),
      status.NOT_FOUND,
      new RegExp(`^container "${server}": not found$`),
    );
    assert.ok(!existsSync(join(t.criRoot, 'containers', server)));
    stream.cancel();
    const kinds = events.filter((e) => e.container_id === server).map((e) => e.container_event_type);
    assert.deepEqual(kinds, [
      'CONTAINER_CREATED_EVENT',
      'CONTAINER_STARTED_EVENT',
      'CONTAINER_STOPPED_EVENT',
      'CONTAINER_DELETED_EVENT',
    ]);
    await call('StopPodSandbox', { pod_sandbox_id: pod });
    await call('RemovePodSandbox', { pod_sandbox_id: pod });
  },
);

test('an OOM kill is reported as OOMKilled', { skip: skipUnlessRoot }, async () => {
  await t.client.call('image', 'PullImage', { image: { image } });
  const podConfig = t.podConfig('oom', {}, { security_context: { namespace_options: { network: 'NODE' } } });
  const pod = await t.runPod(podConfig);
  const id = await create(
    pod,
    podConfig,
    containerConfig('hog', ['sh', '-c', 'x=a; while true; do x="$x$x"; done'], {
      linux: { resources: { memory_limit_in_bytes: String(16 * 1024 * 1024) } },
    }),
  );
  await call('StartContainer', { container_id: id });
  const st = await waitExited(id);
  assert.deepEqual([st.reason, st.exit_code], ['OOMKilled', 137]);
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
  await rejects(containerStatus(id), status.NOT_FOUND, /not found/);
});

test('bad container configs: the field named, nothing left', { skip: skipUnlessRoot }, async () => {
  await t.client.call('image', 'PullImage', { image: { image } });
  const podConfig = t.podConfig('bad', {}, { security_context: { namespace_options: { network: 'NODE' } } });
  const pod = await t.runPod(podConfig);
  await rejects(
    create(pod, podConfig, {
      ...containerConfig('x', ['true']),
      image: { image: `${reg.host}/library/nope:1` },
    }),
    status.NOT_FOUND,
    /^create container "x" in pod sandbox "bad": config\.image\.image ".*nope:1": /,
  );
  await rejects(
    create(
      pod,
      podConfig,
      containerConfig('m', ['true'], { mounts: [{ container_path: 'rel', host_path: '/tmp' }] }),
    ),
    status.INVALID_ARGUMENT,
    /config\.mounts\[0\]\.container_path "rel": must be an absolute path$/,
  );
  await rejects(
    create(
      pod,
      podConfig,
      containerConfig('c', ['true'], {
        linux: { security_context: { capabilities: { add_capabilities: ['CAP_BOGUS'] } } },
      }),
    ),
    status.INVALID_ARGUMENT,
    /unknown capability: "CAP_BOGUS"/,
  );
  await rejects(
    create('nope', podConfig, containerConfig('p', ['true'])),
    status.NOT_FOUND,
    /^pod sandbox "nope": not found$/,
  );
  assert.deepEqual((await call<{ containers: unknown[] }>('ListContainers', {})).containers, []);
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
});

test(
  'the security context reaches the process; ReopenContainerLog starts a new file',
  { skip: skipUnlessRoot, timeout: 60_000 },
  async () => {
    await t.client.call('image', 'PullImage', { image: { image } });
    const podConfig = t.podConfig(
      'sec',
      {},
      { security_context: { namespace_options: { network: 'NODE' } } },
    );
    const pod = await t.runPod(podConfig);
    const id = await create(
      pod,
      podConfig,
      containerConfig('ticker', ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'], {
        linux: {
          security_context: {
            run_as_user: { value: '1000' },
            run_as_group: { value: '1001' },
            supplemental_groups: ['2000'],
            readonly_rootfs: true,
            no_new_privs: true,
            capabilities: { drop_capabilities: ['ALL'] },
            seccomp: { profile_type: 'RuntimeDefault' },
          },
        },
      }),
    );
    await call('StartContainer', { container_id: id });
    const sh = async (script: string): Promise<string> => {
      const r = await call<{ stdout: Buffer; stderr: Buffer }>('ExecSync', {
        container_id: id,
        cmd: ['sh', '-c', script],
        timeout: 10,
      });
      return r.stdout.toString() + r.stderr.toString();
    };
    assert.equal(await sh('id -u; id -g; id -G'), '1000\n1001\n1001 2000\n');
    const { user } = (
      await call<{
        status: { user: { linux: { uid: string; gid: string; supplemental_groups: string[] } } };
      }>('ContainerStatus', { container_id: id })
    ).status;
    assert.deepEqual([user.linux.uid, user.linux.gid], ['1000', '1001']);
    assert.ok(user.linux.supplemental_groups.includes('2000'), user.linux.supplemental_groups.join(' '));
    assert.match(await sh('touch /x 2>&1 || echo refused'), /Read-only file system[\s\S]*refused/);
    assert.match(
      await sh('grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status'),
      /CapEff:\s+0{16}\nNoNewPrivs:\s+1\nSeccomp:\s+2/,
    );

    // kubelet's rotation: rename, then ReopenContainerLog; the shim writes on at the same path.
    const log = join(podConfig.log_directory as string, 'ticker', '0.log');
    for (let i = 0; i < 50 && !existsSync(log); i++) await sleep(50);
    renameSync(log, `${log}.1`);
    await call('ReopenContainerLog', { container_id: id });
    for (let i = 0; i < 50 && !(existsSync(log) && readFileSync(log, 'utf8').includes('tick')); i++)
      await sleep(50);
    assert.match(readFileSync(log, 'utf8'), /^\S+ stdout F tick$/m);
    assert.match(readFileSync(`${log}.1`, 'utf8'), /stdout F tick/);
    await call('RemovePodSandbox', { pod_sandbox_id: pod });
    await rejects(call('ReopenContainerLog', { container_id: id }), status.NOT_FOUND, /not found/);
  },
);

test(
  "stop_signal: StopContainer sends the config's signal first; ContainerStatus reports it",
  { skip: skipUnlessRoot, timeout: 60_000 },
  async () => {
    await t.client.call('image', 'PullImage', { image: { image } });
    const podConfig = t.podConfig('sig');
    const pod = await t.runPod(podConfig);
    const script = 'trap "echo got usr1; exit 7" USR1; echo ready; while true; do sleep 0.1; done';
    const trapper = await create(
      pod,
      podConfig,
      containerConfig('trapper', ['sh', '-c', script], { stop_signal: 'SIGUSR1' }),
    );
    const plain = await create(pod, podConfig, containerConfig('plain', ['sleep', '1000']));
    const signalOf = async (id: string): Promise<string> =>
      (await call<{ status: { stop_signal: string } }>('ContainerStatus', { container_id: id })).status
        .stop_signal;
    assert.deepEqual([await signalOf(trapper), await signalOf(plain)], ['SIGUSR1', 'SIGTERM']);
    await call('StartContainer', { container_id: trapper });
    const log = join(podConfig.log_directory as string, 'trapper', '0.log');
    for (let i = 0; i < 100 && !(existsSync(log) && readFileSync(log, 'utf8').includes('ready')); i++)
      await sleep(50);
    // SIGUSR1 ends it at once with the trap's code; a SIGKILL after the timeout would say 137.
    const t0 = Date.now();
    await call('StopContainer', { container_id: trapper, timeout: 30 });
    assert.ok(Date.now() - t0 < 20_000, 'not the timeout');
    const st = await containerStatus(trapper);
    assert.deepEqual([st.state, st.exit_code], ['CONTAINER_EXITED', 7]);
    assert.match(readFileSync(log, 'utf8'), /stdout F got usr1/);
    await call('RemovePodSandbox', { pod_sandbox_id: pod });
  },
);

test(
  'PullImage with AuthConfig from a registry that wants a password',
  { skip: skipUnlessRoot, timeout: 60_000 },
  async () => {
    const locked = await startRegistry({ kind: 'htpasswd', users: { alice: 's3cret' } });
    try {
      const ref = await pushBusybox(locked, t.dir, 'private/busybox:1', {
        username: 'alice',
        password: 's3cret',
      });
      const denied = /^pull access denied for .*private\/busybox, .*authentication required$/;
      await rejects(
        t.client.call('image', 'PullImage', { image: { image: ref } }),
        status.PERMISSION_DENIED,
        denied,
      );
      const wrong = { username: 'alice', password: 'wrong', server_address: locked.host };
      await rejects(
        t.client.call('image', 'PullImage', { image: { image: ref }, auth: wrong }),
        status.PERMISSION_DENIED,
        denied,
      );
      const auth = { auth: Buffer.from('alice:s3cret').toString('base64'), server_address: locked.host };
      const res = await t.client.call<{ image_ref: string }>('image', 'PullImage', {
        image: { image: ref },
        auth,
      });
      assert.match(res.image_ref, /^sha256:/);
    } finally {
      await locked.stop();
    }
  },
);
