// The runc command-line protocol for what happens after create (start, state, delete), with the same
// global flags the shim gave `create` (docs/engines.md section 1). A failure is reported in the runtime's
// own words: the last "level":"error" line it appended to --log, else its stderr (section 3).
import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../base/errors.js';
import type { ShimRuntime } from './types.js';

type OciRuntime = Extract<ShimRuntime, { kind: 'oci' }>;

/** The bytes appended to `path` after `from`. */
function readFrom(path: string, from: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(Math.max(0, Math.min(size - from, 1 << 16)));
    readSync(fd, buf, 0, buf.length, Math.max(from, size - buf.length));
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The msg of the last error line of a runc-style JSON log, if any. */
export function lastLoggedError(text: string): string | undefined {
  let msg: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === 'error' && typeof entry.msg === 'string') msg = entry.msg;
    } catch {
      // not a JSON line (a truncated tail or a text-format entry)
    }
  }
  return msg;
}

function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Runs `<runtime> [globals] <args>` in the shim directory (start and delete need no bundle, which may be
 * gone by delete); resolves with stdout, rejects with the runtime's error.
 */
export function runtimeCommand(
  rt: OciRuntime,
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const log = join(dir, 'runtime.log');
  const globals = [
    ...(rt.root ? ['--root', rt.root] : []),
    ...(rt.args ?? []),
    '--log',
    log,
    '--log-format',
    'json',
  ];
  const before = logSize(log);
  return new Promise((resolve, reject) => {
    execFile(rt.path, [...globals, ...args], { cwd: dir, env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why =
        lastLoggedError(readFrom(log, before)) ??
        (stderr.trim() || `exited with ${err.code ?? err.signal ?? 'an error'}`);
      reject(new BerthError('FailedPrecondition', `runtime "${rt.path}" ${args[0]}: ${why}`));
    });
  });
}
