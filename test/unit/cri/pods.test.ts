// The pure parts of pod sandboxes: the holder's OCI config, resolv.conf, filters, handlers, cgroup paths.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runtimeForHandler } from '../../../src/cri/index.js';
import { holderSpec } from '../../../src/cri/pods/holder-spec.js';
import { podCgroupsPath } from '../../../src/cri/pods/pod-service.js';
import { podMatches } from '../../../src/cri/pods/pod-shape.js';
import { resolvConf } from '../../../src/cri/pods/resolv-conf.js';
import type { SandboxRecord } from '../../../src/cri/store/sandboxes.js';

const types = (s: ReturnType<typeof holderSpec>): string[] => s.linux!.namespaces!.map((n) => n.type).sort();

test('the holder makes the pod namespaces, joins the CNI netns, and shares only what says NODE', () => {
  const base = { sysctls: {}, cgroupsPath: '/k8s.io/p' };
  const pod = holderSpec({ ...base, namespaces: {}, netnsPath: '/run/x/netns/p', hostname: 'web' });
  assert.deepEqual(types(pod), ['ipc', 'mount', 'network', 'pid', 'uts']);
  assert.deepEqual(
    pod.linux!.namespaces!.find((n) => n.type === 'network'),
    { type: 'network', path: '/run/x/netns/p' },
  );
  assert.equal(pod.hostname, 'web');
  assert.deepEqual(pod.process!.args, ['/pause']);
  assert.deepEqual(pod.process!.capabilities!.bounding, []);
  assert.equal(pod.root!.readonly, true);
  const host = holderSpec({
    ...base,
    namespaces: { network: 'NODE', pid: 'NODE', ipc: 'NODE' },
    hostname: 'web',
  });
  assert.deepEqual(types(host), ['mount']);
  assert.equal(host.hostname, undefined, 'a hostNetwork pod has the node hostname');
  const sysctl = holderSpec({ ...base, namespaces: {}, sysctls: { 'net.ipv4.ip_forward': '1' } });
  assert.deepEqual(sysctl.linux!.sysctl, { 'net.ipv4.ip_forward': '1' });
});

test('resolv.conf from DNSConfig, the host file when it is empty, refusals by field', () => {
  assert.equal(
    resolvConf({ servers: ['10.0.0.10', '10.0.0.11'], searches: ['a.svc', 'svc'], options: ['ndots:5'] }),
    'nameserver 10.0.0.10\nnameserver 10.0.0.11\nsearch a.svc svc\noptions ndots:5\n',
  );
  const dir = mkdtempSync(join(tmpdir(), 'cri-unit-'));
  try {
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.1\n');
    assert.equal(resolvConf(null, join(dir, 'resolv.conf')), 'nameserver 192.0.2.1\n');
    assert.equal(resolvConf({ servers: [] }, join(dir, 'absent')), '');
  } finally {
    rmSync(dir, { recursive: true });
  }
  assert.throws(() => resolvConf({ searches: ['a b'] }), {
    message: `dns_config.searches: "a b" is empty or holds white space`,
  });
});

test('pod filters: id prefix, state, every label', () => {
  const rec = { id: 'abcdef', state: 'ready', labels: { app: 'a', tier: 'b' } } as unknown as SandboxRecord;
  assert.equal(podMatches(rec, null), true);
  assert.equal(podMatches(rec, { id: 'abc' }), true);
  assert.equal(podMatches(rec, { id: 'abd' }), false);
  assert.equal(podMatches(rec, { state: { state: 'SANDBOX_READY' } }), true);
  assert.equal(podMatches(rec, { state: { state: 'SANDBOX_NOTREADY' } }), false);
  assert.equal(podMatches(rec, { label_selector: { app: 'a', tier: 'b' } }), true);
  assert.equal(podMatches(rec, { label_selector: { app: 'a', tier: 'c' } }), false);
});

test('runtime handlers and cgroup parents', () => {
  assert.deepEqual(runtimeForHandler({}, ''), { kind: 'builtin' });
  assert.deepEqual(runtimeForHandler({ runc: { path: '/usr/sbin/runc' } }, 'runc'), {
    kind: 'oci',
    path: '/usr/sbin/runc',
  });
  assert.throws(() => runtimeForHandler({ runc: { path: '/x' } }, 'kata'), {
    message: 'runtime_handler "kata": no such runtime (configured: "", "runc")',
  });
  assert.equal(podCgroupsPath('', 'p1'), '/k8s.io/p1');
  assert.equal(podCgroupsPath('/kubepods/burstable', 'p1'), '/kubepods/burstable/p1');
  assert.throws(
    () => podCgroupsPath('kubepods-burstable.slice', 'p1'),
    /systemd slice needs the systemd cgroup driver/,
  );
  assert.throws(() => podCgroupsPath('kubepods', 'p1'), /must be an absolute cgroupfs path/);
});
