// cgroup layout detection and path resolution (cgroupfs and systemd forms), on fixed mountinfo text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLayout, parseProcCgroup } from '../../../../src/runtime/cgroups/layout.js';
import { resolveCgroupPaths } from '../../../../src/runtime/cgroups/paths.js';

const HYBRID = `
30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
33 30 0:29 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
34 30 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const UNIFIED = '40 25 0:40 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';

test('hybrid and unified layouts', () => {
  const h = parseLayout(HYBRID);
  assert.deepEqual(
    h.v1.map((x) => [x.mountpoint, x.controllers.join(',')]),
    [
      ['/sys/fs/cgroup/cpu', 'cpu'],
      ['/sys/fs/cgroup/memory', 'memory'],
      ['/sys/fs/cgroup/systemd', 'name=systemd'],
    ],
  );
  assert.equal(h.v2?.mountpoint, '/sys/fs/cgroup/unified');
  assert.equal(h.unifiedOnly, false);
  const u = parseLayout(UNIFIED);
  assert.equal(u.unifiedOnly, true);
  assert.equal(u.v2?.mountpoint, '/sys/fs/cgroup');
});

test('absolute and relative cgroupsPath', () => {
  const layout = parseLayout(HYBRID);
  const own = parseProcCgroup('4:memory:/user/me\n3:cpu:/\n1:name=systemd:/sys\n0::/x\n');
  assert.deepEqual(resolveCgroupPaths('/default/c1', 'c1', layout, own), {
    cpu: '/sys/fs/cgroup/cpu/default/c1',
    memory: '/sys/fs/cgroup/memory/default/c1',
    'name=systemd': '/sys/fs/cgroup/systemd/default/c1',
    '': '/sys/fs/cgroup/unified/default/c1',
  });
  assert.equal(
    resolveCgroupPaths('rel/c1', 'c1', layout, own).memory,
    '/sys/fs/cgroup/memory/user/me/rel/c1',
  );
  assert.equal(resolveCgroupPaths(undefined, 'c9', layout, own).cpu, '/sys/fs/cgroup/cpu/c9');
});

test('the systemd form of cgroupsPath resolves to the slice and scope runc would use', () => {
  const layout = parseLayout(HYBRID);
  const own = parseProcCgroup('4:memory:/user/me\n');
  const paths = resolveCgroupPaths('machine-web.slice:docker:c1', 'c1', layout, own, true);
  assert.equal(paths.memory, '/sys/fs/cgroup/memory/machine.slice/machine-web.slice/docker-c1.scope');
  assert.equal(
    resolveCgroupPaths(undefined, 'c2', layout, own, true).cpu,
    '/sys/fs/cgroup/cpu/system.slice/runc-c2.scope',
  );
});
