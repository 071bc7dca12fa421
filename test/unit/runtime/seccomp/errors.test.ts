// compileSeccomp's refusals: each names the offending field, in the exact words the user will see.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Seccomp } from '../../../../src/oci/runtime-spec.js';
import { compileSeccomp } from '../../../../src/runtime/seccomp/index.js';

test('a filter beyond the kernel limit of 4096 instructions is refused', () => {
  const s: Seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: Array.from({ length: 1100 }, (_, i) => ({
      names: ['write'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 2 ** 33 + i, op: 'SCMP_CMP_EQ' }],
    })),
  };
  assert.throws(() => compileSeccomp(s, { nativeArch: 'x86_64' }), {
    name: 'BerthError',
    code: 'InvalidArgument',
    message: /^linux\.seccomp: the filter needs \d+ instructions, more than the kernel's 4096$/,
  });
});

test('errors name the field', () => {
  const cases: [Seccomp, string][] = [
    [
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW' },
          { names: ['read'], action: 'SCMP_ACT_ALLOW' },
          { names: ['read'], action: 'SCMP_ACT_ALLOW' },
          { names: ['read'], action: 'SCMP_ACT_FOO' },
        ],
      },
      'linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"',
    ],
    [
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [
          { names: ['a'], action: 'SCMP_ACT_ALLOW' },
          { names: ['a'], action: 'SCMP_ACT_ALLOW' },
          { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_FOO' }] },
        ],
      },
      'linux.seccomp.syscalls[2].args[0].op: unknown operator "SCMP_CMP_FOO"',
    ],
    [
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] },
        ],
      },
      'linux.seccomp.syscalls[0].args[0].index: must be 0 to 5',
    ],
    [
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] },
        ],
      },
      'linux.seccomp.syscalls[0].args[0].value: must be an integer from 0 to 18446744073709551615',
    ],
    [
      { defaultAction: 'SCMP_ACT_NOTIFY' },
      'linux.seccomp.defaultAction: action "SCMP_ACT_NOTIFY" needs a seccomp agent at linux.seccomp.listenerPath',
    ],
    [
      { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] },
      'linux.seccomp.syscalls[0].action: action "SCMP_ACT_NOTIFY" needs a seccomp agent at linux.seccomp.listenerPath',
    ],
    [
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        listenerPath: '/run/agent.sock',
        syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }],
      },
      'linux.seccomp.syscalls[0].action: action "SCMP_ACT_NOTIFY" is not supported yet: berth-runtime cannot pass the listener to a seccomp agent',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' },
      'linux.seccomp.listenerMetadata: is set without listenerPath',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: {} as unknown as [] },
      'linux.seccomp.syscalls: must be a list',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: ['read'] as unknown as [] },
      'linux.seccomp.syscalls[0]: must be an object',
    ],
    [{ defaultAction: '' }, 'linux.seccomp.defaultAction: must name an action'],
    [
      { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 },
      'linux.seccomp.defaultErrnoRet: action "SCMP_ACT_KILL" takes no errno',
    ],
    [
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }],
      },
      'linux.seccomp.syscalls[0].errnoRet: action "SCMP_ACT_ALLOW" takes no errno',
    ],
    [
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 65536 }],
      },
      'linux.seccomp.syscalls[0].errnoRet: must be an integer from 0 to 65535',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] },
      'linux.seccomp.syscalls[0].names: must list at least one syscall',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_VAX'] },
      'linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FOO'] },
      'linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_FOO"',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] },
      'linux.seccomp.flags[0]: flag "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" is not supported without SCMP_ACT_NOTIFY',
    ],
  ];
  for (const [s, message] of cases)
    assert.throws(() => compileSeccomp(s, { nativeArch: 'x86_64' }), {
      name: 'BerthError',
      code: 'InvalidArgument',
      message,
    });
});
