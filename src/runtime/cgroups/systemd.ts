// The systemd form of linux.cgroupsPath, `slice:prefix:name` (runc's --systemd-cgroup convention,
// libcontainer/specconv and cgroups/systemd/common.go), parsed and validated. Berth has no systemd
// (D-Bus) driver: the unit would be `<prefix>-<name>.scope` in `<slice>`; the form is checked and the
// container refused with a clear word (systemd not running, or the driver not implemented).
import { existsSync } from 'node:fs';
import { BerthError, invalid } from '../../base/errors.js';

/** A parsed systemd cgroupsPath. */
export interface SystemdCgroup {
  /** The slice the unit goes in (`system.slice` when left empty). */
  slice: string;
  /** The unit: `<prefix>-<name>.scope`, `<name>.scope` without a prefix, or `<name>` when it is a slice. */
  unit: string;
  /** The unit's cgroup relative to a hierarchy's root: the expanded slice, then the unit. */
  path: string;
}

const FIELD = 'linux.cgroupsPath';

/**
 * A slice name → its cgroup path (systemd.slice(5): dashes nest): `a-b.slice` → `/a.slice/a-b.slice`,
 * `-.slice` → `/` (the root slice).
 */
export function expandSlice(slice: string): string {
  const bad = (): BerthError => invalid(FIELD, `invalid slice name "${slice}"`);
  if (!slice.endsWith('.slice') || slice.length <= '.slice'.length || slice.includes('/')) throw bad();
  const stem = slice.slice(0, -'.slice'.length);
  if (stem === '-') return '/';
  let path = '';
  let prefix = '';
  for (const part of stem.split('-')) {
    if (part === '') throw bad(); // `a--b.slice` and `-a.slice` name nothing
    path += `/${prefix}${part}.slice`;
    prefix += `${part}-`;
  }
  return path;
}

/** Parses `slice:prefix:name` (empty means runc's default, `:runc:<id>`). */
export function parseSystemdCgroupsPath(cgroupsPath: string | undefined, id: string): SystemdCgroup {
  const value = cgroupsPath && cgroupsPath !== '' ? cgroupsPath : `:runc:${id}`;
  const parts = value.split(':');
  if (parts.length !== 3)
    throw invalid(FIELD, `expected "slice:prefix:name" for systemd cgroups, got "${value}"`);
  const [sliceGiven, prefix, name] = parts as [string, string, string];
  if (name === '') throw invalid(FIELD, `the name part of "${value}" is empty`);
  for (const [what, part] of [
    ['prefix', prefix],
    ['name', name],
  ] as const)
    if (part.includes('/') || part === '.' || part === '..')
      throw invalid(FIELD, `the ${what} part "${part}" of "${value}" must not be a path`);
  const slice = sliceGiven === '' ? 'system.slice' : sliceGiven;
  // runc makes a scope unless the name is itself a slice; either way it sits under the slice's path.
  const unit = name.endsWith('.slice') ? name : prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
  const path = `${expandSlice(slice).replace(/\/$/, '')}/${unit}`;
  return { slice, unit, path };
}

/** systemd's own test for "booted with systemd" (sd_booted(3)): /run/systemd/system exists. */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

/**
 * Validates the systemd form, then refuses: without systemd there is nobody to create the unit, and with
 * it Berth would need the D-Bus driver (transient scopes), which it does not have. Either way the
 * message says which unit was asked for and what to use instead.
 */
export function checkSystemdCgroup(cgroupsPath: string | undefined, id: string): never {
  const parsed = parseSystemdCgroupsPath(cgroupsPath, id);
  const what = `cannot create unit "${parsed.unit}" in "${parsed.slice}"`;
  if (!systemdRunning())
    throw new BerthError(
      'FailedPrecondition',
      `--systemd-cgroup: systemd is not running on this host (${what}); use the default cgroupfs driver`,
    );
  throw new BerthError(
    'FailedPrecondition',
    `--systemd-cgroup: the systemd cgroup driver is not implemented (${what}); use the default cgroupfs driver`,
  );
}
