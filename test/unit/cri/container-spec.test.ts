// CRI container configs to OCI specs (pure: the user resolver is a stub, the pod's facts are given).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  criArgs,
  criContainerSpec,
  criMounts,
  criSeccomp,
  type CriSpecInput,
} from '../../../src/cri/containers/config-map.js';
import { credentialOf } from '../../../src/cri/images.js';
import type { CriContainerConfig } from '../../../src/cri/messages.js';
import { networkProblem } from '../../../src/cri/pods/pod-network.js';

function input(config: CriContainerConfig, network: 'POD' | 'NODE' = 'POD'): CriSpecInput {
  return {
    id: 'c1',
    config,
    pod: {
      holderPid: 4242,
      network,
      hostname: 'web-0',
      etcFiles: { hostname: '/p/hostname', hosts: '/p/hosts', resolvConf: '/p/resolv.conf' },
      cgroupParent: '/kubepods/pod1',
    },
    image: { Env: ['PATH=/bin', 'A=image'], Entrypoint: ['/entry'], Cmd: ['default'], User: '' },
    rootfs: '/r',
    resolveUser: (spec, groups) => {
      const [u = '0', g = u] = spec.split(':');
      return { uid: Number(u) || 0, gid: Number(g) || 0, additionalGids: groups.map(Number), home: '/root' };
    },
  };
}

test('namespaces join the holder; NODE and CONTAINER modes as asked; no hostname of its own', () => {
  const spec = criContainerSpec(
    input({
      command: ['sh'],
      linux: { security_context: { namespace_options: { pid: 'CONTAINER', ipc: 'POD' } } },
    }),
  );
  const ns = Object.fromEntries(spec.linux!.namespaces!.map((n) => [n.type, n.path ?? 'new']));
  assert.deepEqual(ns, {
    mount: 'new',
    network: '/proc/4242/ns/net',
    uts: '/proc/4242/ns/uts',
    pid: 'new',
    ipc: '/proc/4242/ns/ipc',
  });
  assert.equal(spec.hostname, undefined);
  assert.equal(spec.linux!.cgroupsPath, '/kubepods/pod1/c1');
  assert.ok(spec.process!.env!.includes('HOSTNAME=web-0'));
  const host = criContainerSpec(
    input(
      { command: ['sh'], linux: { security_context: { namespace_options: { pid: 'NODE', ipc: 'NODE' } } } },
      'NODE',
    ),
  );
  assert.deepEqual(
    host.linux!.namespaces!.map((n) => n.type),
    ['mount'],
  );
});

test('security context: user and groups, capabilities, read-only rootfs, no_new_privs, paths, seccomp', () => {
  const spec = criContainerSpec(
    input({
      command: ['sh'],
      envs: [{ key: 'B', value: Buffer.from('from-cri') }],
      linux: {
        security_context: {
          run_as_user: { value: '1000' },
          run_as_group: { value: '2000' },
          supplemental_groups: ['3000'],
          capabilities: { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['CHOWN'] },
          readonly_rootfs: true,
          no_new_privs: true,
          masked_paths: ['/proc/x'],
          readonly_paths: ['/proc/y'],
          seccomp: { profile_type: 'RuntimeDefault' },
        },
      },
    }),
  );
  assert.deepEqual(spec.process!.user, { uid: 1000, gid: 2000, additionalGids: [3000] });
  assert.ok(spec.process!.capabilities!.bounding!.includes('CAP_NET_ADMIN'));
  assert.ok(!spec.process!.capabilities!.bounding!.includes('CAP_CHOWN'));
  assert.equal(spec.root!.readonly, true);
  assert.equal(spec.process!.noNewPrivileges, true);
  assert.deepEqual([spec.linux!.maskedPaths, spec.linux!.readonlyPaths], [['/proc/x'], ['/proc/y']]);
  assert.ok(spec.linux!.seccomp, 'RuntimeDefault is Berth default profile');
  assert.ok(spec.process!.env!.includes('B=from-cri') && spec.process!.env!.includes('A=image'));
  const priv = criContainerSpec(
    input({
      command: ['sh'],
      linux: { security_context: { privileged: true, seccomp: { profile_type: 'RuntimeDefault' } } },
    }),
  );
  assert.equal(priv.linux!.seccomp, undefined);
  assert.deepEqual(priv.linux!.maskedPaths, []);
  assert.throws(
    () =>
      criContainerSpec(
        input({ command: ['sh'], linux: { security_context: { run_as_group: { value: '5' } } } }),
      ),
    {
      message: 'security_context.run_as_group: needs run_as_user or run_as_username',
    },
  );
});

test('seccomp: unset and Unconfined are none, Localhost reads a docker-format profile file', () => {
  assert.equal(criSeccomp({}, []), undefined);
  assert.equal(criSeccomp({ seccomp: { profile_type: 'Unconfined' } }, []), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cri-seccomp-'));
  try {
    const path = join(dir, 'p.json');
    writeFileSync(
      path,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
      }),
    );
    const s = criSeccomp({ seccomp: { profile_type: 'Localhost', localhost_ref: path } }, []);
    assert.equal(s?.defaultAction, 'SCMP_ACT_ALLOW');
    assert.throws(
      () => criSeccomp({ seccomp: { profile_type: 'Localhost', localhost_ref: join(dir, 'none.json') } }, []),
      /localhost_ref ".*none\.json": /,
    );
    assert.throws(
      () => criSeccomp({ seccomp: { profile_type: 'Localhost', localhost_ref: 'rel.json' } }, []),
      /must be an absolute path/,
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('command rules, mounts with propagation, refusals by field', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default'] };
  assert.deepEqual(criArgs({}, image), ['/entry', 'default']);
  assert.deepEqual(criArgs({ args: ['x'] }, image), ['/entry', 'x']);
  assert.deepEqual(criArgs({ command: ['/bin/sh'] }, image), ['/bin/sh']);
  assert.throws(() => criArgs({}, {}), { message: 'config.command: none given and the image has none' });
  assert.deepEqual(
    criMounts([
      { container_path: '/a', host_path: '/tmp', readonly: true },
      { container_path: '/b', host_path: '/tmp', propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
      {
        container_path: '/c',
        host_path: '/tmp',
        propagation: 'PROPAGATION_BIDIRECTIONAL',
        selinux_relabel: true,
      },
    ]).map((m) => m.options),
    [
      ['rbind', 'rprivate', 'ro'],
      ['rbind', 'rslave'],
      ['rbind', 'rshared'],
    ],
  );
  assert.throws(() => criMounts([{ container_path: '/a', host_path: '/nonexistent-cri' }]), {
    message: 'config.mounts[0].host_path "/nonexistent-cri": does not exist',
  });
  assert.throws(
    () => criMounts([{ container_path: '/a', host_path: '/tmp', image: { image: 'x' } }]),
    /image volumes are not supported/,
  );
});

test('NetworkReady names the missing CNI plugins; AuthConfig becomes a registry credential', () => {
  const cni = mkdtempSync(join(tmpdir(), 'cri-cni-'));
  try {
    for (const p of ['bridge', 'host-local', 'portmap']) writeFileSync(join(cni, p), '');
    assert.equal(networkProblem([cni]), `cni plugins "loopback" not found in "${cni}"`);
    writeFileSync(join(cni, 'loopback'), '');
    assert.equal(networkProblem([cni]), undefined);
  } finally {
    rmSync(cni, { recursive: true });
  }
  assert.equal(
    networkProblem(['/nonexistent-cni']),
    'cni plugins "bridge", "host-local", "portmap", "loopback" not found in "/nonexistent-cni"',
  );
  assert.equal(credentialOf(null), undefined);
  assert.deepEqual(credentialOf({ auth: Buffer.from('u:p:w').toString('base64') }), {
    username: 'u',
    password: 'p:w',
  });
  assert.deepEqual(credentialOf({ username: 'a', password: 'b' }), { username: 'a', password: 'b' });
  assert.deepEqual(credentialOf({ registry_token: 't' }), { registryToken: 't' });
  assert.throws(
    () => credentialOf({ auth: Buffer.from('nocolon').toString('base64') }),
    /auth\.auth: not base64/,
  );
});
