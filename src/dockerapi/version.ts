// API versions: the server's current one (the swagger in ../shared/specs/docker-engine-api) and the oldest
// it still answers, and how a request's `/v1.NN/` path prefix is read (moby's VersionMiddleware).
import { BerthError } from '../base/errors.js';
import type { ApiVersion } from './context.js';

/** The API version Berth implements, the swagger's. */
export const API_VERSION = '1.55';
/** The oldest API version Berth answers (moby's minimum for Linux daemons). */
export const MIN_API_VERSION = '1.24';

function parse(text: string): ApiVersion {
  const [major, minor] = text.split('.').map(Number) as [number, number];
  return { major, minor, text };
}

const CURRENT = parse(API_VERSION);
const MINIMUM = parse(MIN_API_VERSION);

function compare(a: ApiVersion, b: ApiVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/** Splits `/v1.41/containers/json` into the version and `/containers/json`; no prefix means current. */
export function versionOf(path: string): { version: ApiVersion; path: string } {
  const m = /^\/v(\d+)\.(\d+)(\/.*)$/.exec(path);
  if (!m) return { version: CURRENT, path };
  const version = parse(`${Number(m[1])}.${Number(m[2])}`);
  if (compare(version, CURRENT) > 0)
    throw new BerthError(
      'InvalidArgument',
      `client version ${version.text} is too new. Maximum supported API version is ${API_VERSION}`,
    );
  if (compare(version, MINIMUM) < 0)
    throw new BerthError(
      'InvalidArgument',
      `client version ${version.text} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  return { version, path: m[3]! };
}
