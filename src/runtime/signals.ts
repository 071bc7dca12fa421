// Signal names and numbers as kill(1) and runc accept them: `KILL`, `SIGKILL`, `9`.
import { constants } from 'node:os';
import { BerthError } from '../base/errors.js';

const SIGNALS = constants.signals as Record<string, number>;

/** Parses a signal name (with or without SIG) or number; throws InvalidArgument otherwise. */
export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    // 0 checks that the process exists, as kill(2) and runc allow.
    if (n >= 0 && n <= 64) return n;
  } else {
    const name = raw.toUpperCase().startsWith('SIG') ? raw.toUpperCase() : `SIG${raw.toUpperCase()}`;
    const n = SIGNALS[name];
    if (n !== undefined) return n;
  }
  throw new BerthError('InvalidArgument', `invalid signal "${raw}"`);
}
