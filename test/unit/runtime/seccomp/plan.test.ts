// Where linux.seccomp lands in the plan handed to native/init, and how it is encoded (PLAN.md op 41).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec } from '../../../../src/oci/default-spec.js';
import type { Seccomp } from '../../../../src/oci/runtime-spec.js';
import { buildPlan, type PlanInput } from '../../../../src/runtime/plan/build.js';
import { encodePlan } from '../../../../src/runtime/plan/encode.js';
import type { Step } from '../../../../src/runtime/plan/ops.js';
import { compileSeccomp } from '../../../../src/runtime/seccomp/index.js';

const PROFILE: Seccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  flags: ['SECCOMP_FILTER_FLAG_LOG'],
  syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
};

function plan(noNewPrivileges: boolean, seccomp: Seccomp | null = PROFILE): Step[] {
  const spec = defaultSpec();
  spec.process!.noNewPrivileges = noNewPrivileges;
  if (seccomp) spec.linux!.seccomp = seccomp;
  const input: PlanInput = {
    spec,
    bundle: '/b',
    stateDir: '/run/berth-runtime/c1',
    preserveFds: 0,
    noPivot: false,
    cgroups: [],
    cgroupMounts: [],
    isDirectory: () => true,
  };
  return buildPlan(input);
}

const tail = (steps: Step[]): string[] =>
  steps.slice(steps.findIndex((s) => s.op === 'RLIMIT')).map((s) => s.op);

test('no profile, no SECCOMP step', () => {
  assert.equal(
    plan(true, null).some((s) => s.op === 'SECCOMP'),
    false,
  );
});

test('with no_new_privs the filter goes in last, after the lookup and before READY', () => {
  assert.deepEqual(tail(plan(true)), [
    'RLIMIT',
    'NO_NEW_PRIVS',
    'CREDS',
    'UMASK',
    'CWD',
    'LOOKUP',
    'SECCOMP',
    'READY',
    'FIFO_WAIT',
    'EXEC',
  ]);
});

test('without no_new_privs the filter goes in before capabilities are dropped', () => {
  assert.deepEqual(tail(plan(false)), [
    'RLIMIT',
    'SECCOMP',
    'CREDS',
    'UMASK',
    'CWD',
    'LOOKUP',
    'READY',
    'FIFO_WAIT',
    'EXEC',
  ]);
});

test('the step carries the compiled program and the seccomp(2) flags', () => {
  const step = plan(true).find((s): s is Extract<Step, { op: 'SECCOMP' }> => s.op === 'SECCOMP')!;
  const compiled = compileSeccomp(PROFILE);
  assert.equal(step.flags, 2, 'SECCOMP_FILTER_FLAG_LOG');
  assert.deepEqual(step.filter, compiled.filter);

  // PLAN.md: u16 op 41, u16 0, u32 len, then u32 flags, u32 n, n × 8 bytes of struct sock_filter.
  const buf = encodePlan([step]);
  assert.equal(buf.readUInt16LE(8), 41);
  assert.equal(buf.readUInt32LE(12), 8 + compiled.filter.length);
  assert.equal(buf.readUInt32LE(16), 2);
  assert.equal(buf.readUInt32LE(20), compiled.filter.length / 8);
  assert.deepEqual(buf.subarray(24), compiled.filter);
});

test('a bad profile fails the plan, naming the field', () => {
  assert.throws(
    () =>
      plan(true, {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOPE' }],
      }),
    { code: 'InvalidArgument', message: 'linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_NOPE"' },
  );
});
