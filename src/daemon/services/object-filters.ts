// Filter values that networks and volumes read the same way dockerd does (moby api/types/filters):
// `label=key` / `label=key=value` (every one must match), and `until=` as unix seconds, an RFC 3339
// time, or a Go duration back from now (`24h`, `90m`). Pure: unit-tested.
import { BerthError } from '../../base/errors.js';

/** Whether `labels` carry every `key` or `key=value` of `wanted`. */
export function labelsMatch(labels: Record<string, string>, wanted: string[]): boolean {
  return wanted.every((spec) => {
    const eq = spec.indexOf('=');
    return eq === -1 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
  });
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1e3,
  m: 6e4,
  h: 36e5,
};

/** The instant (ms since the epoch) an `until` filter names; a bad value is a 400 quoting it. */
export function parseUntil(values: string[], now = Date.now()): number {
  if (values.length !== 1) throw new BerthError('InvalidArgument', `more than one until filter specified`);
  const v = values[0]!.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.floor(Number(v) * 1000);
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
      ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    return now - ms;
  }
  const t = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(t)) return t;
  throw new BerthError('InvalidArgument', `invalid filter 'until=${v}': not a timestamp or a duration`);
}

/** Refuses filter keys a route does not know, as dockerd does ("invalid filter 'x'"). */
export function checkFilterKeys(filters: Map<string, string[]>, allowed: readonly string[]): void {
  for (const key of filters.keys())
    if (!allowed.includes(key)) throw new BerthError('InvalidArgument', `invalid filter '${key}'`);
}

/**
 * moby's filters.Args.Match: a value matches when it is the field, or a regular expression found in
 * it; a value that is no valid expression matches as plain text.
 */
export function fuzzyMatch(values: string[], field: string): boolean {
  return values.some((v) => {
    if (field === v) return true;
    try {
      return new RegExp(v).test(field);
    } catch {
      return field.includes(v);
    }
  });
}

/** A boolean filter (`dangling=true`): undefined when absent, a 400 when not a boolean or given twice. */
export function boolFilter(filters: Map<string, string[]>, key: string): boolean | undefined {
  const v = filters.get(key);
  if (!v) return undefined;
  if (v.length !== 1 || !['true', 'false', '1', '0'].includes(v[0]!.toLowerCase()))
    throw new BerthError('InvalidArgument', `invalid filter '${key}=${v.join(',')}'`);
  return v[0] === 'true' || v[0] === '1';
}
