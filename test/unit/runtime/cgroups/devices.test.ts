// Device rules: the v1 emulation (defaults, exceptions, minimal transitions, refused holes) and the
// cgroup v2 eBPF program, run in an interpreter against the v1 semantics it must reproduce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceRule } from '../../../../src/oci/runtime-spec.js';
import { deviceProgram, encodeProgram } from '../../../../src/runtime/cgroups/device-bpf.js';
import {
  emulate,
  stateFromList,
  transition,
  type DeviceState,
} from '../../../../src/runtime/cgroups/device-emulator.js';
import { deviceRules } from '../../../../src/runtime/cgroups/devices.js';
import { runDeviceProgram, type DevAccess } from './ebpf-interp.js';

const rule = (s: string): DeviceRule => {
  // "allow c 1:3 rwm" / "deny a"
  const [verdict, type, nums, access] = s.split(' ');
  const [ma, mi] = (nums ?? '*:*').split(':');
  const n = (x: string | undefined): number | null => (x === undefined || x === '*' ? null : Number(x));
  return { allow: verdict === 'allow', type, major: n(ma), minor: n(mi), access };
};

const show = (rules: DeviceRule[]): string[] =>
  rules.map((r) => {
    const n = (x: number | null | undefined): string => (x === null || x === undefined ? '*' : String(x));
    return `${r.allow ? 'allow' : 'deny'} ${r.type === 'a' ? 'a' : `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`}`;
  });

/** The v1 kernel's verdict (security/device_cgroup.c): allow list → one exception covers it all; deny list → no exception overlaps. */
function v1Verdict(state: DeviceState, d: DevAccess): boolean {
  const matches = state.exceptions.filter(
    (e) => e.type === d.type && (e.major < 0 || e.major === d.major) && (e.minor < 0 || e.minor === d.minor),
  );
  if (state.defaultAllow) return !matches.some((e) => (e.access & d.access) !== 0);
  return matches.some((e) => (e.access & d.access) === d.access);
}

test('emulation: the default set after "deny all"', () => {
  const state = emulate(deviceRules({ resources: { devices: [rule('deny a')] } }), 'devices');
  assert.equal(state.defaultAllow, false);
  const list = state.exceptions.map((e) => `${e.type} ${e.major}:${e.minor} ${e.access}`);
  assert.ok(list.includes('c 1:3 7'));
  assert.ok(list.includes('c -1:-1 1')); // mknod of any char device
  assert.ok(list.includes('c 136:-1 7')); // pts
});

test('emulation: exceptions widen, narrow and vanish; "a" resets', () => {
  const s = emulate(
    [
      rule('deny a'),
      rule('allow c 1:3 r'),
      rule('allow c 1:3 w'),
      rule('deny c 1:3 r'),
      rule('allow b 8:0 rwm'),
      rule('deny b 8:0 rwm'),
    ],
    'd',
  );
  assert.deepEqual(s, { defaultAllow: false, exceptions: [{ type: 'c', major: 1, minor: 3, access: 4 }] });
  assert.deepEqual(emulate([rule('deny a'), rule('allow c 1:3 rwm'), rule('allow a')], 'd'), {
    defaultAllow: true,
    exceptions: [],
  });
  // Default allow: deny rules become exceptions.
  assert.deepEqual(emulate([rule('deny c 1:3 w')], 'd'), {
    defaultAllow: true,
    exceptions: [{ type: 'c', major: 1, minor: 3, access: 4 }],
  });
});

test('emulation: carving a hole in a wildcard is refused with the rule named', () => {
  assert.throws(
    () => emulate([rule('deny a'), rule('allow c *:* m'), rule('deny c 1:3 m')], 'linux.resources.devices'),
    {
      message:
        'linux.resources.devices[2]: "c 1:3 m" cannot be carved out of the wider rule "c *:* m" ' +
        '(the devices cgroup has no holes in wildcards)',
    },
  );
  // Removing other access from the same device is fine.
  emulate([rule('deny a'), rule('allow c *:* m'), rule('deny c 1:3 rw')], 'd');
});

test('transition: a fresh cgroup is reset, an allow list changes minimally', () => {
  const target = emulate([rule('deny a'), rule('allow c 1:3 rwm'), rule('allow c 1:5 rw')], 'd');
  assert.deepEqual(show(transition(stateFromList('a *:* rwm\n'), target)), [
    'deny a',
    'allow c 1:3 rwm',
    'allow c 1:5 rw',
  ]);
  const current = stateFromList('c 1:3 rwm\nc 1:9 rwm\nc 1:5 r\n');
  assert.deepEqual(show(transition(current, target)), ['deny c 1:9 rwm', 'allow c 1:5 w']);
  assert.deepEqual(transition(target, target), []);
  // From an allow list to allow-all and back: resets.
  assert.deepEqual(show(transition(target, emulate([rule('allow a')], 'd'))), ['allow a']);
});

test('the eBPF program decides as the v1 devices cgroup would', () => {
  const cases: DeviceRule[][] = [
    deviceRules({ resources: { devices: [rule('deny a')] } }),
    [rule('deny a'), rule('allow c 1:3 rw'), rule('allow c 1:* m'), rule('allow b *:0 r')],
    [rule('deny c 1:3 w'), rule('deny b 8:* rwm')],
    [rule('deny a'), rule('allow c 4294967295:4000000000 rwm')],
    [],
  ];
  const devices: [DevAccess['type'], number, number][] = [
    ['c', 1, 3],
    ['c', 1, 5],
    ['c', 1, 9],
    ['c', 5, 2],
    ['c', 136, 4],
    ['c', 10, 200],
    ['b', 8, 0],
    ['b', 8, 1],
    ['b', 254, 0],
    ['c', 4294967295, 4000000000],
    ['c', 2147483647, 4000000000],
  ];
  for (const rules of cases) {
    const state = emulate(rules, 'd');
    const prog = encodeProgram(deviceProgram(state));
    for (const [type, major, minor] of devices)
      for (let access = 1; access <= 7; access++) {
        const d = { type, access, major, minor };
        assert.equal(
          runDeviceProgram(prog, d) === 1,
          v1Verdict(state, d),
          `${show(rules).join(', ')}: ${type} ${major}:${minor} access ${access}`,
        );
      }
  }
});

test('a deny exception refuses any overlapping access, not only a wholly covered one', () => {
  const prog = encodeProgram(deviceProgram(emulate([rule('deny c 1:3 w')], 'd')));
  assert.equal(runDeviceProgram(prog, { type: 'c', major: 1, minor: 3, access: 2 | 4 }), 0); // open O_RDWR
  assert.equal(runDeviceProgram(prog, { type: 'c', major: 1, minor: 3, access: 2 }), 1);
  assert.equal(runDeviceProgram(prog, { type: 'c', major: 1, minor: 5, access: 4 }), 1);
});
