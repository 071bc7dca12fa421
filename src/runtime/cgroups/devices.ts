// The device cgroup rules a container gets: the spec's, then the devices every container may use.
import type { Device, DeviceRule, Linux } from '../../oci/runtime-spec.js';

/**
 * The devices runc allows in every container whatever the spec's rules say (libcontainer's
 * AllowedDevices): mknod of any node, the default devices of config-linux.md "Default Devices",
 * /dev/pts/*, /dev/ptmx, /dev/console and /dev/net/tun.
 */
const ALWAYS_ALLOWED: DeviceRule[] = [
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' }, // pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // net/tun
];

function ruleFor(d: Device): DeviceRule {
  // `p` (fifo) needs no cgroup rule; the cgroup knows only c and b (u is c).
  const type = d.type === 'b' ? 'b' : 'c';
  return { allow: true, type, major: d.major ?? null, minor: d.minor ?? null, access: 'rwm' };
}

/** The ordered device rules for `linux`: resources.devices, the always-allowed set, linux.devices. */
export function deviceRules(linux: Linux | undefined): DeviceRule[] {
  const fromDevices = (linux?.devices ?? []).filter((d) => d.type !== 'p').map(ruleFor);
  return [...(linux?.resources?.devices ?? []), ...ALWAYS_ALLOWED, ...fromDevices];
}
