// The v1 devices cgroup's rule semantics, emulated (Documentation/admin-guide/cgroup-v1/devices.rst and
// security/device_cgroup.c): a default (allow or deny everything) plus exceptions. Rules are applied in
// order, as config-linux.md "Allowed Device list" asks:
//   - a rule for type `a` resets: `allow a` → default allow, no exceptions; `deny a` → default deny, none;
//   - a rule whose verdict differs from the default adds (or widens) an exception for exactly its
//     type/major/minor; one whose verdict equals the default narrows that exact exception.
// The result drives both back ends: the minimal v1 writes that turn a cgroup's current devices.list into
// the wanted state (so an update never briefly denies /dev/null), and the v2 eBPF program (device-bpf.ts).
import { invalid } from '../../base/errors.js';
import type { DeviceRule } from '../../oci/runtime-spec.js';

/** Access bits, numbered as the kernel's BPF_DEVCG_ACC_* (uapi/linux/bpf.h): mknod 1, read 2, write 4. */
export const ACCESS = { m: 1, r: 2, w: 4 } as const;
const ALL_ACCESS = 7;

/** A device match: type `b` or `c`, and major/minor numbers where -1 is the wildcard `*`. */
export interface DeviceMatch {
  type: 'b' | 'c';
  major: number;
  minor: number;
}

/** One exception of the emulated cgroup: a match and its access bits. */
export interface DeviceException extends DeviceMatch {
  access: number;
}

/** The state of a devices cgroup. */
export interface DeviceState {
  /** true: everything not excepted is allowed ("blacklist"); false: only the exceptions are. */
  defaultAllow: boolean;
  /** Sorted by major, minor, type. */
  exceptions: DeviceException[];
}

/** Access bits of an `rwm` string; an empty or absent access means all of them (runc's default). */
export function accessBits(access: string | undefined): number {
  if (!access) return ALL_ACCESS;
  let bits = 0;
  for (const ch of access) bits |= ACCESS[ch as keyof typeof ACCESS] ?? 0;
  return bits;
}

/** `rwm` string of access bits, in the kernel's order. */
export function accessString(bits: number): string {
  return (bits & ACCESS.r ? 'r' : '') + (bits & ACCESS.w ? 'w' : '') + (bits & ACCESS.m ? 'm' : '');
}

const num = (n: number | null | undefined): number => (n === undefined || n === null || n < 0 ? -1 : n);
const keyOf = (m: DeviceMatch): string => `${m.type} ${m.major}:${m.minor}`;

/** Renders a match as devices.list does: `c 1:3`, `b *:*`. */
export function matchString(m: DeviceMatch): string {
  const n = (x: number): string => (x < 0 ? '*' : String(x));
  return `${m.type} ${n(m.major)}:${n(m.minor)}`;
}

/** A devices cgroup under emulation. */
export class DeviceEmulator {
  private defaultAllow: boolean;
  private readonly exceptions = new Map<string, DeviceException>();

  /** A fresh cgroup allows everything, like the root of the v1 hierarchy. */
  constructor(defaultAllow = true) {
    this.defaultAllow = defaultAllow;
  }

  /** Applies one rule; `field` names it in errors. */
  apply(rule: DeviceRule, field: string): void {
    const type = rule.type && rule.type !== '' ? rule.type : 'a';
    if (type === 'a') {
      this.defaultAllow = rule.allow;
      this.exceptions.clear();
      return;
    }
    if (type !== 'b' && type !== 'c') throw invalid(`${field}.type`, `unknown device type "${type}"`);
    const match: DeviceMatch = { type, major: num(rule.major), minor: num(rule.minor) };
    const access = accessBits(rule.access);
    if (rule.allow !== this.defaultAllow) this.add(match, access);
    else this.remove(match, access, field);
  }

  private add(match: DeviceMatch, access: number): void {
    const key = keyOf(match);
    const old = this.exceptions.get(key);
    this.exceptions.set(key, { ...match, access: (old?.access ?? 0) | access });
  }

  private remove(match: DeviceMatch, access: number, field: string): void {
    // The kernel only narrows the exception with exactly this type/major/minor; a wider wildcard
    // exception silently keeps granting the access. Refuse, as runc does, rather than pretend.
    const wider: DeviceMatch[] = [
      { type: match.type, major: -1, minor: match.minor },
      { type: match.type, major: match.major, minor: -1 },
      { type: match.type, major: -1, minor: -1 },
    ];
    for (const w of wider) {
      if (keyOf(w) === keyOf(match)) continue;
      const ex = this.exceptions.get(keyOf(w));
      if (ex && ex.access & access)
        throw invalid(
          field,
          `"${matchString(match)} ${accessString(access)}" cannot be carved out of the wider rule ` +
            `"${matchString(w)} ${accessString(ex.access)}" (the devices cgroup has no holes in wildcards)`,
        );
    }
    const key = keyOf(match);
    const old = this.exceptions.get(key);
    if (!old) return;
    const left = old.access & ~access;
    if (left === 0) this.exceptions.delete(key);
    else this.exceptions.set(key, { ...old, access: left });
  }

  /** The emulated state. */
  state(): DeviceState {
    const exceptions = [...this.exceptions.values()].sort(
      // Not localeCompare: its first call loads ICU's collator, about 15 ms of every container's create.
      (a, b) => a.major - b.major || a.minor - b.minor || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0),
    );
    return { defaultAllow: this.defaultAllow, exceptions };
  }
}

/** The state that `rules` produce from a cgroup that allows everything; `field` names the list. */
export function emulate(rules: readonly DeviceRule[], field: string): DeviceState {
  const emu = new DeviceEmulator(true);
  rules.forEach((r, i) => emu.apply(r, `${field}[${i}]`));
  return emu.state();
}

/**
 * The state a v1 devices.list describes. The file lists what is allowed: `a *:* rwm` alone means the
 * cgroup allows everything (its deny exceptions, if any, cannot be read back), anything else is an
 * allow list.
 */
export function stateFromList(list: string): DeviceState {
  const emu = new DeviceEmulator(false);
  for (const line of list.split('\n')) {
    const m = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]+)$/.exec(line.trim());
    if (!m) continue;
    const n = (s: string): number | null => (s === '*' ? null : Number(s));
    emu.apply({ allow: true, type: m[1], major: n(m[2]!), minor: n(m[3]!), access: m[4] }, 'devices.list');
  }
  return emu.state();
}

/**
 * The rules that turn cgroup state `from` into `to` with the least disruption: a reset only when the
 * default changes (or `from` allows everything, whose deny list is unknowable), then the exceptions to
 * drop, then those to add.
 */
export function transition(from: DeviceState, to: DeviceState): DeviceRule[] {
  const out: DeviceRule[] = [];
  let old = new Map(from.exceptions.map((e) => [keyOf(e), e]));
  if (from.defaultAllow || from.defaultAllow !== to.defaultAllow) {
    out.push({ allow: to.defaultAllow, type: 'a', major: null, minor: null, access: 'rwm' });
    old = new Map();
  }
  const wanted = new Map(to.exceptions.map((e) => [keyOf(e), e]));
  const rule = (e: DeviceMatch, allow: boolean, access: number): DeviceRule => ({
    allow,
    type: e.type,
    major: e.major < 0 ? null : e.major,
    minor: e.minor < 0 ? null : e.minor,
    access: accessString(access),
  });
  for (const [key, e] of old) {
    const dropped = e.access & ~(wanted.get(key)?.access ?? 0);
    if (dropped) out.push(rule(e, to.defaultAllow, dropped));
  }
  for (const [key, e] of wanted) {
    const gained = e.access & ~(old.get(key)?.access ?? 0);
    if (gained) out.push(rule(e, !to.defaultAllow, gained));
  }
  return out;
}
