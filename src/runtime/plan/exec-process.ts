// The process an `exec` runs: read from --process (a config.json `process` object), or the container's
// own process with runc's command-line overrides (runc-exec(8); runc's exec.go getProcess).
import { BerthError, invalid, messageOf } from '../../base/errors.js';
import { capabilityBit } from '../../oci/linux.js';
import type { Process } from '../../oci/runtime-spec.js';
import { validateProcess } from '../../oci/validate.js';

/** The flags of `exec` that shape its process. */
export interface ExecProcessFlags {
  /** The command and its arguments (after the container id). */
  args: string[];
  cwd?: string;
  /** `-e NAME=value`, in order; they override the container's. */
  env: string[];
  tty: boolean;
  /** `-u uid[:gid]`. */
  user?: string;
  /** `-g gid`, each. */
  additionalGids: string[];
  /** `--cap CAP_X`, each. */
  caps: string[];
  noNewPrivs: boolean;
  apparmor?: string;
  processLabel?: string;
}

/** Parses and validates a --process file's text. */
export function processFromFile(path: string, text: string): Process {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `--process "${path}": invalid JSON: ${messageOf(err)}`);
  }
  try {
    validateProcess(raw);
  } catch (err) {
    throw new BerthError('InvalidArgument', `--process "${path}": ${messageOf(err)}`);
  }
  const p = raw as Process;
  return { ...p, env: dedupEnv(p.env ?? []) };
}

/** The container's process with the command line's overrides, as runc's `exec` makes it. */
export function processFromFlags(base: Process, f: ExecProcessFlags): Process {
  if (f.args.length === 0) throw new BerthError('InvalidArgument', 'exec args cannot be empty');
  const p: Process = structuredClone(base);
  p.args = f.args;
  if (f.cwd !== undefined) {
    if (!f.cwd.startsWith('/')) throw invalid('--cwd', `must be an absolute path, got "${f.cwd}"`);
    p.cwd = f.cwd;
  }
  for (const e of f.env)
    if (!e.includes('=') || e.startsWith('=')) throw invalid('--env', `"${e}" is not NAME=value`);
  p.env = dedupEnv([...(p.env ?? []), ...f.env]);
  // Never a terminal unless asked: the container's own may have one (runc does the same).
  p.terminal = f.tty;
  if (!f.tty) delete p.consoleSize;
  if (f.noNewPrivs) p.noNewPrivileges = true;
  if (f.user !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(f.user);
    if (!m) throw invalid('--user', `"${f.user}" is not uid[:gid] in numbers`);
    p.user = { ...p.user, uid: uint32(m[1]!, '--user') };
    if (m[2] !== undefined) p.user.gid = uint32(m[2], '--user');
  }
  for (const g of f.additionalGids) {
    if (!/^\d+$/.test(g)) throw invalid('--additional-gids', `"${g}" is not a non-negative number`);
    p.user.additionalGids = [...(p.user.additionalGids ?? []), uint32(g, '--additional-gids')];
  }
  if (f.caps.length > 0) {
    const caps = { ...p.capabilities };
    for (const cap of f.caps) {
      if (capabilityBit(cap) === undefined) throw invalid('--cap', `unknown capability "${cap}"`);
      caps.bounding = [...(caps.bounding ?? []), cap];
      caps.effective = [...(caps.effective ?? []), cap];
      caps.permitted = [...(caps.permitted ?? []), cap];
      // Ambient capabilities need inheritable ones, which --cap does not add: only where the container's
      // process already has an inheritable set (runc's rule).
      if (caps.inheritable !== undefined) caps.ambient = [...(caps.ambient ?? []), cap];
    }
    p.capabilities = caps;
  }
  if (f.apparmor !== undefined) p.apparmorProfile = f.apparmor;
  if (f.processLabel !== undefined) p.selinuxLabel = f.processLabel;
  return p;
}

function uint32(s: string, flag: string): number {
  const n = Number(s);
  if (n > 0xffffffff) throw invalid(flag, `${s} is out of range`);
  return n;
}

/** Removes repeated variables, the last value winning at the first one's place (as runc's prepareEnv). */
export function dedupEnv(env: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    byName.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  return [...byName.values()];
}
