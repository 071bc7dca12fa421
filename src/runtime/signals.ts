// Signal names and numbers as kill(1), runc and docker accept them: `KILL`, `SIGKILL`, `9`, and the
// real-time ones relative to their ends, `SIGRTMIN+3` or `RTMAX-1` (docker's signal.ParseSignal).
import { constants } from 'node:os';
import { BerthError } from '../base/errors.js';

const SIGNALS = constants.signals as Record<string, number>;

/** Linux's real-time signal range as glibc presents it (SIGRTMIN is 34: glibc keeps 32 and 33). */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

/** The number of a signal name (with or without SIG, any case), or undefined. */
export function signalByName(raw: string): number | undefined {
  const name = raw.toUpperCase().startsWith('SIG') ? raw.toUpperCase() : `SIG${raw.toUpperCase()}`;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return SIGNALS[name];
  const n = (rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + (rt[2] === '-' ? -1 : 1) * Number(rt[3] ?? 0);
  return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
}

/** Parses a signal name or number; throws InvalidArgument otherwise. */
export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    // 0 checks that the process exists, as kill(2) and runc allow.
    if (n >= 0 && n <= 64) return n;
  } else {
    const n = signalByName(raw);
    if (n !== undefined) return n;
  }
  throw new BerthError('InvalidArgument', `invalid signal "${raw}"`);
}
