// The plans of `exec` and of hooks, and exec's process from the command line, asserted without a kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec } from '../../../../src/oci/default-spec.js';
import { parseArgs } from '../../../../src/runtime/cli-args.js';
import { buildPlan } from '../../../../src/runtime/plan/build.js';
import { encodePlan } from '../../../../src/runtime/plan/encode.js';
import { dedupEnv, processFromFlags } from '../../../../src/runtime/plan/exec-process.js';
import { buildExecPlan } from '../../../../src/runtime/plan/exec.js';
import { addHooks, hookState } from '../../../../src/runtime/plan/hooks.js';
import type { Step } from '../../../../src/runtime/plan/ops.js';

const ops = (steps: Step[]): string[] => steps.map((s) => s.op);

/** The plan of a container with `spec` (no cgroups, every source a directory). */
const containerPlan = (spec: ReturnType<typeof defaultSpec>): Step[] =>
  buildPlan({
    spec,
    bundle: '/b',
    stateDir: '/s',
    preserveFds: 0,
    noPivot: false,
    cgroups: [],
    cgroupMounts: [],
    isDirectory: () => true,
  });

function execPlan(mutate?: (s: ReturnType<typeof defaultSpec>) => void): Step[] {
  const spec = defaultSpec();
  mutate?.(spec);
  return buildExecPlan({
    spec,
    bundle: '/b',
    pid: 42,
    process: { ...spec.process!, args: ['/bin/true'], terminal: false },
    cgroups: [{ path: '/sys/fs/cgroup/memory/c1', version: 1 }],
    preserveFds: 0,
  });
}

test("exec joins the container's namespaces (user first), forks, and runs only process steps", () => {
  const steps = execPlan((s) => s.linux!.namespaces!.push({ type: 'user' }));
  const joins = steps.filter((s) => s.op === 'JOIN_NS');
  assert.deepEqual(
    joins.map((j) => (j as { path: string }).path),
    [
      '/proc/42/ns/user',
      '/proc/42/ns/pid',
      '/proc/42/ns/net',
      '/proc/42/ns/ipc',
      '/proc/42/ns/uts',
      '/proc/42/ns/mnt',
    ],
  );
  assert.deepEqual(
    steps.find((s) => s.op === 'CLONE'),
    { op: 'CLONE', flags: 0n },
  );
  assert.deepEqual(ops(steps).slice(joins.length), [
    'CLONE',
    'CGROUP_V1',
    'PROCESS',
    'RLIMIT',
    'NO_NEW_PRIVS',
    'CREDS',
    'UMASK',
    'CWD',
    'LOOKUP',
    'READY',
    'EXEC',
  ]);
  for (const op of ['ROOTFS', 'MOUNT', 'PIVOT', 'FIFO_DIR', 'FIFO_WAIT', 'UID_MAP', 'HOSTNAME'])
    assert.ok(!ops(steps).includes(op), `no ${op}`);
  encodePlan(steps); // every step has a wire form
});

test("exec keeps the container plan's process steps in their order (seccomp included, wherever it is)", () => {
  const spec = defaultSpec();
  spec.process!.terminal = false;
  const container = containerPlan(spec);
  const keep = new Set([
    'OOM_SCORE_ADJ',
    'TERMINAL',
    'RLIMIT',
    'NO_NEW_PRIVS',
    'SECCOMP',
    'CREDS',
    'UMASK',
    'CWD',
    'LOOKUP',
    'READY',
    'EXEC',
  ]);
  const exec = execPlan();
  assert.deepEqual(
    ops(exec).filter((op) => keep.has(op)),
    ops(container).filter((op) => keep.has(op)),
  );
});

test('exec flags override the container process as runc does', () => {
  const base = defaultSpec().process!;
  base.env = ['PATH=/bin', 'A=1'];
  base.terminal = true;
  const p = processFromFlags(base, {
    args: ['sh'],
    cwd: '/tmp',
    env: ['A=2', 'B=3'],
    tty: false,
    user: '7:8',
    additionalGids: ['9'],
    caps: ['CAP_CHOWN'],
    noNewPrivs: true,
    apparmor: undefined,
    processLabel: undefined,
  });
  assert.deepEqual(p.args, ['sh']);
  assert.deepEqual(p.env, ['PATH=/bin', 'A=2', 'B=3']);
  assert.equal(p.terminal, false);
  assert.deepEqual([p.user.uid, p.user.gid, p.user.additionalGids], [7, 8, [9]]);
  assert.ok(p.capabilities!.bounding!.includes('CAP_CHOWN'));
  assert.ok(p.capabilities!.permitted!.includes('CAP_CHOWN'));
  assert.equal(p.noNewPrivileges, true);
  assert.equal(base.user.uid, 0, 'the container process is not changed');
  assert.throws(() => processFromFlags(base, { ...flags(), args: [] }), /exec args cannot be empty/);
  assert.throws(
    () => processFromFlags(base, { ...flags(), user: '4294967296' }),
    /--user: 4294967296 is out of range/,
  );
  assert.deepEqual(dedupEnv(['A=1', 'B=2', 'A=3']), ['A=3', 'B=2']);
});

function flags(): Parameters<typeof processFromFlags>[1] {
  return { args: ['x'], env: [], tty: false, additionalGids: [], caps: [], noNewPrivs: false };
}

test('list flags accumulate; the command after the id keeps its own flags', () => {
  const { flags: f, args } = parseArgs(
    ['-e', 'A=1', '--env=B=2', 'id', 'sh', '-e', 'x'],
    [{ name: 'env', alias: 'e', type: 'list' }],
    true,
  );
  assert.deepEqual(f.env, ['A=1', 'B=2']);
  assert.deepEqual(args, ['id', 'sh', '-e', 'x']);
});

test('hooks go where the runtime spec wants them in the plan', () => {
  const spec = defaultSpec();
  const hook = { path: '/h' };
  spec.hooks = {
    prestart: [hook],
    createRuntime: [hook, hook],
    createContainer: [hook],
    startContainer: [hook],
  };
  const plan = addHooks(containerPlan(spec), { spec, id: 'c1', bundle: '/b', rootfs: '/b/rootfs' });
  const o = ops(plan);
  const pivot = o.indexOf('PIVOT');
  assert.deepEqual(o.slice(pivot - 5, pivot + 1), [
    'RUNTIME_HOOK',
    'RUNTIME_HOOK',
    'RUNTIME_HOOK',
    'RUNTIME_HOOKS',
    'HOOK',
    'PIVOT',
  ]);
  assert.deepEqual(o.slice(o.indexOf('FIFO_WAIT'), o.indexOf('FIFO_WAIT') + 3), [
    'FIFO_WAIT',
    'HOOK',
    'EXEC',
  ]);
  const labels = plan
    .filter((s) => s.op === 'RUNTIME_HOOK' || s.op === 'HOOK')
    .map((s) => (s as { label: string }).label);
  assert.deepEqual(labels, [
    'prestart hook #0',
    'createRuntime hook #0',
    'createRuntime hook #1',
    'createContainer hook #0',
    'startContainer hook #0',
  ]);
  const noHooks = defaultSpec();
  const plain = containerPlan(noHooks);
  assert.deepEqual(addHooks(plain, { spec: noHooks, id: 'c1', bundle: '/b', rootfs: '/b/rootfs' }), plain);
});

test("a hook's state is split around the pid", () => {
  const { head, tail } = hookState('c1', '/b', { a: 'b' }, 'creating');
  assert.deepEqual(JSON.parse(`${head}123${tail}`), {
    ociVersion: '1.2.0',
    id: 'c1',
    status: 'creating',
    pid: 123,
    bundle: '/b',
    annotations: { a: 'b' },
  });
});
