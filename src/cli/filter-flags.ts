// docker's --filter flags ("key=value", repeatable) as the `filters` query parameter the API takes:
// {"key":["value", ...]} (docker/cli opts.FilterOpt); a flag without "=" is refused as docker refuses it.
import { BerthError } from '../base/errors.js';

/** The JSON `filters` value for the given --filter flags (and extra pairs), or undefined when empty. */
export function filtersQuery(
  flags: string[] | undefined,
  extra: [string, string][] = [],
): string | undefined {
  const out: Record<string, string[]> = {};
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new BerthError('InvalidArgument', `bad format of filter (expected name=value)`);
    const key = f.slice(0, eq).trim().toLowerCase();
    (out[key] ??= []).push(f.slice(eq + 1).trim());
  }
  for (const [k, v] of extra) (out[k] ??= []).push(v);
  return Object.keys(out).length === 0 ? undefined : JSON.stringify(out);
}
