// The filters of GET /images/json and POST /images/prune, as dockerd reads them (daemon/images/image_list.go
// and image_prune.go): dangling=true|false, label=key or label=key=value (label!= for prune), reference=
// a glob over the familiar names (docker's reference.FamiliarMatch: path.Match, so "*" stops at "/"),
// before= and since= an image (by its creation time), until= a time (unix seconds, RFC 3339, or a Go-style
// duration before now). An unknown filter or a bad value is an InvalidArgument naming it.
import { BerthError } from '../../base/errors.js';
import { familiarName, familiarString } from '../reference/index.js';
import type { LocalImage } from './types.js';

/** The filters each endpoint accepts. */
export const LIST_FILTERS = ['before', 'dangling', 'label', 'reference', 'since', 'until'];
export const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'];

/** An image's creation time in milliseconds (0 when its config has none). */
export function createdMs(image: LocalImage): number {
  const t = image.config.created === undefined ? NaN : Date.parse(image.config.created);
  return Number.isNaN(t) ? 0 : t;
}

/** Whether the image has no tag (docker's dangling: "<none>:<none>"). */
export function isDangling(image: LocalImage): boolean {
  return image.tags.length === 0;
}

/** Checks the filter names against `accepted`. */
export function checkFilters(filters: Map<string, string[]>, accepted: string[]): void {
  for (const key of filters.keys())
    if (!accepted.includes(key)) throw new BerthError('InvalidArgument', `invalid filter '${key}'`);
}

/** The value of a boolean filter (dangling), or undefined when absent. */
export function boolFilter(filters: Map<string, string[]>, key: string): boolean | undefined {
  const values = filters.get(key);
  if (values === undefined || values.length === 0) return undefined;
  const bools = values.map((v) => {
    const l = v.toLowerCase();
    if (l === 'true' || l === '1') return true;
    if (l === 'false' || l === '0') return false;
    throw new BerthError('InvalidArgument', `invalid filter '${key}=${v}'`);
  });
  return bools.includes(true);
}

/** Whether the image's config labels pass every label=... filter (and no label!=...). */
export function matchesLabels(image: LocalImage, filters: Map<string, string[]>): boolean {
  const labels = image.config.config?.Labels ?? {};
  const has = (spec: string): boolean => {
    const eq = spec.indexOf('=');
    return eq === -1 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
  };
  return (filters.get('label') ?? []).every(has) && !(filters.get('label!') ?? []).some(has);
}

/** Whether any of the image's names matches any reference= pattern. */
export function matchesReference(image: LocalImage, patterns: string[]): boolean {
  const regexes = patterns.map(globToRegex);
  for (const ref of [...image.tags, ...image.digests]) {
    const candidates = [familiarString(ref), familiarName(ref)];
    if (regexes.some((re) => candidates.some((c) => re.test(c)))) return true;
  }
  return false;
}

/** A time filter's value as milliseconds since the epoch (dockerd's timetypes.GetTimestamp). */
export function timeFilter(value: string, key: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(value) ? parseDuration(value) : undefined;
  if (duration !== undefined) return now - duration;
  const t = Date.parse(value);
  if (!Number.isNaN(t)) return t;
  throw new BerthError('InvalidArgument', `invalid filter '${key}=${value}': not a timestamp or a duration`);
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

function parseDuration(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Go's path.Match pattern as a regular expression: "*" and "?" do not cross "/". */
function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1)
        throw new BerthError(
          'InvalidArgument',
          `invalid filter 'reference=${pattern}': syntax error in pattern`,
        );
      const body = pattern.slice(i + 1, end).replace(/^\^/, '!');
      re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
