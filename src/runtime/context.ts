// What every runtime command receives: the global flags, and where errors are logged.
import { appendFileSync } from 'node:fs';
import { writeErr } from '../base/stdio.js';

/** The global options of berth-runtime (runc's). */
export interface RuntimeContext {
  /** State root (default /run/berth-runtime). */
  root: string;
  /** Log destination, or undefined for stderr only. */
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
}

/** Appends one entry to --log in the chosen format (runc/logrus's shape, which containerd parses). */
export function logEntry(
  ctx: RuntimeContext,
  level: 'error' | 'warning' | 'info' | 'debug',
  msg: string,
): void {
  if (!ctx.log) return;
  const time = new Date().toISOString();
  const line =
    ctx.logFormat === 'json'
      ? JSON.stringify({ level, msg, time }) + '\n'
      : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
  try {
    appendFileSync(ctx.log, line);
  } catch {
    // The log is best effort: the error also goes to stderr.
  }
}

/** A warning: logged, printed to stderr, and the operation goes on (runtime.md "Warnings"). */
export function warn(ctx: RuntimeContext, msg: string): void {
  logEntry(ctx, 'warning', msg);
  writeErr(`runtime: warning: ${msg}\n`);
}
