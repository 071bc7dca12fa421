// berthd as kubelet's runtime, end to end: a gRPC client on <state>/cri.sock pulls registry.k8s.io images
// through a docker-registry configured as that host's mirror, runs a CNI pod and a container in it,
// execs into it, and lists it all with `berth cri`; then berthd is SIGKILLed with the pod running:
// the holder and the container go on, and after a restart they are reported ready and running, exec
// still works, and their stop and exit are recorded by the new daemon.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry, type TestRegistry } from '../fixtures/registry.js';
import { BERTH } from '../integration/daemon/harness.js';
import {
  exec,
  RUNTIME,
  skipUnlessRoot,
  TEST_CGROUP_PARENT,
  uniqueId,
} from '../integration/runtime/harness.js';
import { pushBusybox, removeCgroupParent } from '../integration/cri/harness.js';
import { CriDaemon } from './cri-daemon.js';

let reg: TestRegistry;
let d: CriDaemon;
const cgroupParent = `/${TEST_CGROUP_PARENT}/${uniqueId('e2e')}`;
before(async () => {
  if (skipUnlessRoot) return;
  reg = await startRegistry();
  d = new CriDaemon({
    registries: { 'registry.k8s.io': { mirrors: [`http://${reg.host}`] } },
    runtimes: { 'berth-runtime': { path: RUNTIME } },
  });
  await d.start();
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
  removeCgroupParent(cgroupParent);
});

const call = <T = Record<string, unknown>>(method: string, req: object = {}): Promise<T> =>
  d.client.call<T>('runtime', method, req);

test(
  'kubelet flow through berthd, a SIGKILL with the pod running, and berth cri',
  { skip: skipUnlessRoot },
  async () => {
    // The mirror holds the image under the path registry.k8s.io would serve it at.
    await pushBusybox(reg, d.dir, 'e2e/busybox:1.36');
    const image = 'registry.k8s.io/e2e/busybox:1.36';
    const { image_ref } = await d.client.call<{ image_ref: string }>('image', 'PullImage', {
      image: { image },
    });
    assert.match(image_ref, /^sha256:/);

    const logDir = join(d.dir, 'pods', 'web');
    const podConfig = {
      metadata: { name: 'web', uid: uniqueId('uid'), namespace: 'default', attempt: 0 },
      hostname: 'web-0',
      log_directory: logDir,
      linux: { cgroup_parent: cgroupParent },
    };
    const { pod_sandbox_id: pod } = await call<{ pod_sandbox_id: string }>('RunPodSandbox', {
      config: podConfig,
      runtime_handler: 'berth-runtime',
    });
    const { container_id: ctr } = await call<{ container_id: string }>('CreateContainer', {
      pod_sandbox_id: pod,
      sandbox_config: podConfig,
      config: {
        metadata: { name: 'app', attempt: 0 },
        image: { image },
        command: ['sh', '-c', 'echo started; exec sleep 1000'],
        log_path: 'app/0.log',
      },
    });
    await call('StartContainer', { container_id: ctr });
    const podIp = (
      await call<{ status: { network: { ip: string } } }>('PodSandboxStatus', { pod_sandbox_id: pod })
    ).status.network.ip;
    assert.match(podIp, /^\d+\.\d+\.\d+\.\d+$/);

    const cri = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      exec(BERTH, ['cri', ...args, '--cri-socket', d.criSocket]);
    const pods = await cri(['pods']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout, /^POD ID +CREATED +STATE +NAME +NAMESPACE +ATTEMPT +RUNTIME\n/);
    assert.match(pods.stdout, new RegExp(`${pod.slice(0, 13)} .* READY +web +default +0 +berth-runtime`));
    const ps = await cri(['ps']);
    assert.match(
      ps.stdout,
      new RegExp(`${ctr.slice(0, 13)} +${image_ref.slice(7, 20)} .* RUNNING +app +0 +${pod.slice(0, 13)}`),
    );
    const images = await cri(['images']);
    assert.match(
      images.stdout,
      new RegExp(`registry\\.k8s\\.io/e2e/busybox +1\\.36 +${image_ref.slice(7, 20)} `),
    );
    const bad = await exec(BERTH, ['cri', 'pods', '--cri-socket', join(d.dir, 'absent.sock')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^cri socket ".*absent\.sock": ListPodSandbox: UNAVAILABLE: /);

    // SIGKILL: nothing of the pod may notice.
    const ctrPid = Number(
      JSON.parse(
        (await call<{ info: { info: string } }>('ContainerStatus', { container_id: ctr, verbose: true })).info
          .info,
      ).pid,
    );
    assert.ok(ctrPid > 0);
    await d.kill('SIGKILL');
    await sleep(200);
    assert.ok(existsSync(`/proc/${ctrPid}`), 'the container outlives the daemon');
    await d.start();
    const podSt = await call<{ status: { state: string; network: { ip: string } } }>('PodSandboxStatus', {
      pod_sandbox_id: pod,
    });
    assert.deepEqual([podSt.status.state, podSt.status.network.ip], ['SANDBOX_READY', podIp]);
    const st = await call<{ status: { state: string } }>('ContainerStatus', { container_id: ctr });
    assert.equal(st.status.state, 'CONTAINER_RUNNING');
    const ex = await call<{ stdout: Buffer; exit_code: number }>('ExecSync', {
      container_id: ctr,
      cmd: ['hostname'],
      timeout: 10,
    });
    assert.deepEqual([ex.stdout.toString(), ex.exit_code], ['web-0\n', 0]);

    // The new daemon records the stop and the exit code.
    await call('StopContainer', { container_id: ctr, timeout: 5 });
    const stopped = await call<{ status: { state: string; exit_code: number; reason: string } }>(
      'ContainerStatus',
      { container_id: ctr },
    );
    assert.deepEqual(
      [stopped.status.state, stopped.status.exit_code, stopped.status.reason],
      ['CONTAINER_EXITED', 143, 'Error'],
    );
    assert.match(readFileSync(join(logDir, 'app', '0.log'), 'utf8'), /^\S+ stdout F started\n$/);
    await call('StopPodSandbox', { pod_sandbox_id: pod });
    await call('RemovePodSandbox', { pod_sandbox_id: pod });
    assert.deepEqual((await call<{ items: unknown[] }>('ListPodSandbox', {})).items, []);
    assert.ok(!existsSync(`/proc/${ctrPid}`) || readFileSync(`/proc/${ctrPid}/stat`, 'utf8').includes(') Z'));
  },
);
