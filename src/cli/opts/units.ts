// Values of docker's flags: sizes (go-units RAMInBytes: "64m" is 64 MiB), Go durations ("1m30s"), and
// CPU counts ("0.5" for --cpus), with docker's error messages.
import { BerthError } from '../../base/errors.js';

const BINARY: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** go-units RAMInBytes: a number with an optional binary unit (b, k, m, g, t, p, optionally + "b"). */
export function ramInBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpb]?)(?:i?b)?$/i.exec(s.trim());
  if (!m) throw new BerthError('InvalidArgument', `invalid size: '${s}'`);
  return Math.floor(Number(m[1]) * BINARY[m[2]!.toLowerCase()]!);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds ("1h2m3.5s", "300ms"; "0" alone is 0). */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '');
  if (body === '') throw new BerthError('InvalidArgument', `time: invalid duration "${s}"`);
  re.lastIndex = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m) {
      const missing = /^\d+(\.\d*)?$/.test(body.slice(pos));
      throw new BerthError(
        'InvalidArgument',
        `time: ${missing ? 'missing unit in' : 'invalid'} duration "${s}"`,
      );
    }
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return sign * total;
}

/** Milliseconds as nanoseconds, the unit of the API's durations. */
export function msToNano(ms: number): number {
  return Math.round(ms * 1e6);
}

/** `--cpus 1.5` as NanoCpus. */
export function parseCpus(s: string): number {
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s))
    throw new BerthError('InvalidArgument', `failed to parse ${s} as a rational number`);
  return Math.round(Number(s) * 1e9);
}
