import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerCapabilities } from '../../../src/daemon/services/containers/capabilities.js';
import { DOCKER_DEFAULT_CAPS } from '../../../src/oci/linux.js';
import {
  mountRequests,
  ociMount,
  parseBind,
  parseMount,
} from '../../../src/daemon/services/containers/mounts.js';
import { containerResources, containerRlimits } from '../../../src/daemon/services/containers/resources.js';
import {
  containerEnv,
  containerSpec,
  DOCKER_MASKED_PATHS,
  mergeImageConfig,
  type SpecInput,
} from '../../../src/daemon/services/containers/spec.js';
import { parseGroup, parsePasswd, resolveUser } from '../../../src/daemon/services/containers/user.js';

const PASSWD =
  'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\nweb:x:1000:1000::/srv/web:/bin/sh\n';
const GROUP = 'root:x:0:\nwheel:x:10:root\nstaff:x:50:web,daemon\nweb:x:1000:\nnogroup:x:65534:\n';

test('users: names, numbers, groups, supplementary groups, HOME; unknown ones named', () => {
  const p = parsePasswd(PASSWD);
  const g = parseGroup(GROUP);
  assert.deepEqual(resolveUser('', p, g), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
  assert.deepEqual(resolveUser('web', p, g), {
    uid: 1000,
    gid: 1000,
    additionalGids: [50],
    home: '/srv/web',
  });
  assert.deepEqual(resolveUser('1000:50', p, g), {
    uid: 1000,
    gid: 50,
    additionalGids: [],
    home: '/srv/web',
  });
  assert.deepEqual(resolveUser('4242', p, g), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('nobody:nogroup', p, g, ['wheel', '77']), {
    uid: 65534,
    gid: 65534,
    additionalGids: [10, 77],
    home: '/home',
  });
  assert.throws(() => resolveUser('ghost', p, g), {
    message: 'unable to find user ghost: no matching entries in passwd file',
  });
  assert.throws(() => resolveUser('web:ghosts', p, g), {
    message: 'unable to find group ghosts: no matching entries in group file',
  });
});

test("capabilities: docker's defaults, add/drop/ALL as moby tweaks them", () => {
  assert.deepEqual(containerCapabilities(), DOCKER_DEFAULT_CAPS);
  const added = containerCapabilities(['net_admin', 'CAP_SYS_PTRACE'], ['MKNOD']);
  assert.ok(
    added.includes('CAP_NET_ADMIN') && added.includes('CAP_SYS_PTRACE') && !added.includes('CAP_MKNOD'),
  );
  assert.deepEqual(containerCapabilities(['CHOWN'], ['ALL']), ['CAP_CHOWN']);
  assert.ok(containerCapabilities(['ALL'], ['SYS_ADMIN']).length > 30);
  assert.ok(!containerCapabilities(['ALL'], ['SYS_ADMIN']).includes('CAP_SYS_ADMIN'));
  assert.ok(containerCapabilities(['NET_RAW'], ['NET_RAW']).includes('CAP_NET_RAW'), 'add wins over drop');
  assert.throws(() => containerCapabilities(['CAP_FLY']), { message: 'unknown capability: "CAP_FLY"' });
});

test('-v, --mount and --tmpfs as dockerd reads them', () => {
  assert.deepEqual(parseBind('/srv/data:/data:ro,rslave'), {
    type: 'bind',
    source: '/srv/data',
    destination: '/data',
    readOnly: true,
    options: ['rslave'],
    createSource: true,
    noCopy: false,
  });
  assert.equal(parseBind('cache:/var/cache').type, 'volume');
  assert.throws(() => parseBind('/only'), { message: "invalid volume specification: '/only'" });
  assert.throws(() => parseBind('/a:rel'), /invalid mount path: 'rel' mount path must be absolute/);
  assert.throws(() => parseBind('/a:/'), /destination can't be '\/'/);
  assert.throws(() => parseBind('/a:/b:bogus'), /unknown option "bogus"/);
  assert.throws(() => parseBind('my vol:/b'), /includes invalid characters for a local volume name/);
  assert.deepEqual(ociMount(parseBind('/srv:/srv:ro'), '/srv'), {
    destination: '/srv',
    type: 'bind',
    source: '/srv',
    options: ['rbind', 'rprivate', 'ro'],
  });
  const tmp = parseMount({
    Type: 'tmpfs',
    Target: '/scratch',
    TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 },
  });
  assert.deepEqual(ociMount(tmp, ''), {
    destination: '/scratch',
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['noexec', 'nosuid', 'nodev', 'size=1048576', 'mode=1777'],
  });
  const run = mountRequests({ Tmpfs: { '/run': 'exec,size=64m' } })[0]!;
  assert.deepEqual(ociMount(run, '').options, ['nosuid', 'nodev', 'size=64m']);
  assert.throws(() => parseMount({ Type: 'bind', Target: '/x' }), /field Source must not be empty/);
  assert.throws(() => mountRequests({ Binds: ['/a:/x'], Tmpfs: { '/x': '' } }), {
    message: 'Duplicate mount point: /x',
  });
});

test('resources: --cpus, memory and swap, pids, ulimits; conflicts named', () => {
  assert.deepEqual(containerResources({ NanoCpus: 500_000_000, Memory: 64 << 20, PidsLimit: 50 }), {
    cpu: { period: 100000, quota: 50000 },
    memory: { limit: 64 << 20, swap: 128 << 20 },
    pids: { limit: 50 },
  });
  assert.deepEqual(containerResources({ Memory: 64 << 20, MemorySwap: -1 }).memory, {
    limit: 64 << 20,
    swap: -1,
  });
  assert.deepEqual(containerResources({ PidsLimit: -1 }), {});
  assert.throws(
    () => containerResources({ NanoCpus: 1, CpuQuota: 1 }),
    /Nano CPUs and CPU Period cannot both be set/,
  );
  assert.throws(() => containerResources({ Memory: 1024 }), /Minimum memory limit allowed is 6MB/);
  assert.deepEqual(containerRlimits({ Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] }), [
    { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 },
  ]);
});

test('image config merge: Cmd only without Entrypoint, an empty Entrypoint clears, Env by key', () => {
  const image = {
    Entrypoint: ['/entry'],
    Cmd: ['serve'],
    Env: ['PATH=/img/bin', 'A=1'],
    WorkingDir: '/app',
    User: 'web',
  };
  assert.deepEqual(mergeImageConfig({}, image).Entrypoint, ['/entry']);
  assert.deepEqual(mergeImageConfig({}, image).Cmd, ['serve']);
  assert.deepEqual(mergeImageConfig({ Cmd: ['sh'] }, image).Cmd, ['sh']);
  const own = mergeImageConfig({ Entrypoint: ['/other'] }, image);
  assert.deepEqual([own.Entrypoint, own.Cmd], [['/other'], undefined]);
  assert.deepEqual(mergeImageConfig({ Entrypoint: [], Cmd: ['ls'] }, image).Entrypoint, []);
  const cleared = mergeImageConfig({ Entrypoint: [''], Cmd: ['ls'] }, image);
  assert.deepEqual([cleared.Entrypoint, cleared.Cmd], [[], ['ls']]);
  assert.deepEqual(mergeImageConfig({ Env: ['A=2', 'B=3'] }, image).Env, ['PATH=/img/bin', 'A=2', 'B=3']);
  assert.equal(mergeImageConfig({ User: '0' }, image).User, '0');
  assert.equal(mergeImageConfig({}, image).WorkingDir, '/app');
});

test("environment: docker's PATH and HOSTNAME first, TERM with a tty, HOME from passwd", () => {
  assert.deepEqual(containerEnv({ Env: ['A=1', 'BARE'] }, 'h', '/root'), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOSTNAME=h',
    'A=1',
    'HOME=/root',
  ]);
  assert.ok(containerEnv({ Tty: true, Env: ['HOME=/x'] }, 'h', '/root').includes('TERM=xterm'));
  assert.ok(containerEnv({ Env: ['HOME=/x'] }, 'h', '/root').includes('HOME=/x'));
});

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: '0123456789abcdef0123',
    config: { Cmd: ['sh'] },
    host: {},
    rootfs: '/var/lib/berth/rootfs',
    user: { uid: 0, gid: 0, additionalGids: [10], home: '/root' },
    etcFiles: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
    namespaces: {
      network: { path: '/run/berth/netns/x' },
      pid: 'private',
      ipc: 'private',
      uts: 'private',
      cgroup: 'host',
    },
    mounts: [],
    seccomp: { defaultAction: 'SCMP_ACT_ERRNO' },
    cgroupsPath: '/berth/0123456789abcdef0123',
    ...over,
  };
}

test("the spec: docker's defaults, hostname from the id, netns joined by path", () => {
  const s = containerSpec(input());
  assert.equal(s.hostname, '0123456789ab');
  assert.deepEqual(s.process!.args, ['sh']);
  assert.deepEqual(s.process!.user, { uid: 0, gid: 0, additionalGids: [10] });
  assert.equal(s.process!.capabilities!.bounding!.length, 14);
  assert.deepEqual(s.linux!.maskedPaths, DOCKER_MASKED_PATHS);
  assert.deepEqual(s.linux!.namespaces, [
    { type: 'mount' },
    { type: 'network', path: '/run/berth/netns/x' },
    { type: 'uts' },
    { type: 'pid' },
    { type: 'ipc' },
  ]);
  // Parents before what goes in them: by depth, stable within one depth.
  assert.deepEqual(
    s.mounts!.map((m) => m.destination),
    [
      '/proc',
      '/dev',
      '/sys',
      '/dev/pts',
      '/dev/mqueue',
      '/dev/shm',
      '/etc/resolv.conf',
      '/etc/hostname',
      '/etc/hosts',
      '/sys/fs/cgroup',
    ],
  );
  assert.ok(s.mounts!.find((m) => m.destination === '/dev/shm')!.options!.includes('size=67108864'));
  assert.equal(s.linux!.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.deepEqual(s.linux!.resources!.devices, [{ allow: false, access: 'rwm' }]);
});

test('the spec: privileged, read-only root, user mounts over system ones, --init, no command', () => {
  const p = containerSpec(input({ host: { Privileged: true } }));
  assert.ok(p.process!.capabilities!.bounding!.includes('CAP_SYS_ADMIN'));
  assert.deepEqual(p.linux!.maskedPaths, []);
  assert.equal(p.linux!.seccomp, undefined);
  assert.ok(p.mounts!.find((m) => m.destination === '/sys')!.options!.includes('rw'));
  const ro = containerSpec(
    input({
      host: { ReadonlyRootfs: true, ShmSize: 1 << 20 },
      mounts: [{ destination: '/dev/shm', type: 'bind', source: '/host/shm', options: ['rbind'] }],
      init: '/usr/bin/tini-static',
    }),
  );
  assert.equal(ro.root!.readonly, true);
  assert.deepEqual(
    ro.mounts!.filter((m) => m.destination === '/dev/shm').map((m) => m.source),
    ['/host/shm'],
  );
  assert.deepEqual(ro.process!.args, ['/sbin/docker-init', '--', 'sh']);
  assert.throws(() => containerSpec(input({ config: {} })), { message: 'no command specified' });
  assert.throws(() => containerSpec(input({ host: { SecurityOpt: ['bogus'] } })), /invalid --security-opt/);
});

test('passwd is read inside the rootfs: a link to the host file resolves inside', async () => {
  const { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { resolveUserInRootfs, readInRootfs } =
    await import('../../../src/daemon/services/containers/user.js');
  const root = mkdtempSync(join(tmpdir(), 'berth-rootfs-'));
  try {
    mkdirSync(join(root, 'etc'));
    mkdirSync(join(root, 'host'));
    writeFileSync(join(root, 'host', 'passwd'), 'inside:x:7:7::/in:/bin/sh\n');
    // An absolute link: on the host it would name the host's /etc/hostname; in the rootfs it cannot.
    symlinkSync('/etc/hostname', join(root, 'etc', 'group'));
    symlinkSync('/host/passwd', join(root, 'etc', 'passwd'));
    assert.equal(readInRootfs(root, '/etc/group'), '');
    assert.deepEqual(resolveUserInRootfs(root, 'inside'), {
      uid: 7,
      gid: 7,
      additionalGids: [],
      home: '/in',
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
