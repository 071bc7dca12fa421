// Image references parsed and normalised exactly as docker's distribution/reference does (reference.go,
// normalize.go): `busybox` → `docker.io/library/busybox:latest`, `localhost:5000/x`, ports, IPv6 hosts,
// `name@sha256:...`, tag and digest together, upper case and over-long names refused. Every error names
// the reference as the user typed it.
import { BerthError } from '../../base/errors.js';
import { parseDigest } from './digest.js';
import { IDENTIFIER, NAME, NAME_TOTAL_LENGTH_MAX, REFERENCE } from './grammar.js';

/** The registry that names without a domain belong to. */
export const DEFAULT_DOMAIN = 'docker.io';
/** docker.io's old name, normalised to DEFAULT_DOMAIN. */
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** Prefix of official images on docker.io (`busybox` → `library/busybox`). */
const OFFICIAL_REPO_PREFIX = 'library/';
/** Tag assumed when a reference has neither tag nor digest. */
export const DEFAULT_TAG = 'latest';

/** A parsed reference: the repository (domain + path) and an optional tag and digest. */
export interface Reference {
  /** Registry host, with port if any: "docker.io", "localhost:5000", "[::1]:5000". */
  readonly domain: string;
  /** Repository path within the registry: "library/busybox". */
  readonly path: string;
  /** Tag, if given. */
  readonly tag?: string | undefined;
  /** Digest ("sha256:<hex>"), if given. */
  readonly digest?: string | undefined;
}

function invalidRef(input: string, why: string): BerthError {
  return new BerthError('InvalidArgument', `reference "${input}": ${why}`);
}

/**
 * Parses a reference as written, without normalisation (docker's reference.Parse): a name without a domain
 * keeps an empty domain. Most callers want parseNormalized.
 */
export function parseReference(input: string): Reference {
  const m = REFERENCE.exec(input);
  if (m === null) {
    if (input === '') throw invalidRef(input, 'repository name must have at least one component');
    if (REFERENCE.test(input.toLowerCase())) throw invalidRef(input, 'repository name must be lowercase');
    throw invalidRef(input, 'invalid reference format');
  }
  const [, name = '', tag, digest] = m;
  if (name.length > NAME_TOTAL_LENGTH_MAX)
    throw invalidRef(input, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const nm = NAME.exec(name);
  const domain = nm?.[1] ?? '';
  const path = nm?.[2] ?? name;
  if (digest !== undefined) parseDigest(digest, `reference "${input}"`);
  return { domain, path, tag, digest };
}

/** docker's splitDockerDomain: the first component is a domain if it has "." or ":", is localhost, or upper case. */
function splitDockerDomain(input: string): { domain: string; remainder: string } {
  const slash = input.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = slash === -1 ? '' : input.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = input;
  } else {
    domain = first;
    remainder = input.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parses a reference the way the docker CLI reads one (ParseNormalizedNamed): the domain defaults to
 * docker.io and official images get "library/". Tag and digest stay as given; see withDefaultTag.
 */
export function parseNormalized(input: string): Reference {
  if (IDENTIFIER.test(input))
    throw invalidRef(input, 'invalid repository name, cannot specify 64-byte hexadecimal strings');
  const { domain, remainder } = splitDockerDomain(input);
  const colon = remainder.indexOf(':');
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remoteName.toLowerCase() !== remoteName) throw invalidRef(input, 'repository name must be lowercase');
  let parsed: Reference;
  try {
    parsed = parseReference(`${domain}/${remainder}`);
  } catch (err) {
    // Re-word so that the message names what the user typed, not our domain-prefixed form.
    const why = err instanceof BerthError ? err.message.replace(/^reference "[^"]*": /, '') : String(err);
    throw invalidRef(input, why);
  }
  if (parsed.domain === '') throw invalidRef(input, 'invalid reference format');
  return parsed;
}

/** A reference with the default tag added when it has neither tag nor digest (docker's TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag === undefined && ref.digest === undefined) return { ...ref, tag: DEFAULT_TAG };
  return ref;
}

/** What docker pulls for a reference (ParseDockerRef): the default tag added, and only the digest when both are given. */
export function parseDockerRef(input: string): Reference {
  const ref = withDefaultTag(parseNormalized(input));
  if (ref.tag !== undefined && ref.digest !== undefined)
    return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return ref;
}

/** "domain/path", the repository's full name. */
export function repositoryName(ref: Reference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** The full string form: "docker.io/library/busybox:latest", "x@sha256:...", "x:tag@sha256:...". */
export function formatReference(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The repository name as docker displays it: docker.io and library/ dropped ("busybox", "user/app"). */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const path = ref.path;
  // Only a single component after library/ is an official image; library/a/b keeps its prefix.
  if (path.startsWith(OFFICIAL_REPO_PREFIX) && !path.slice(OFFICIAL_REPO_PREFIX.length).includes('/'))
    return path.slice(OFFICIAL_REPO_PREFIX.length);
  return path;
}

/** The whole reference as docker displays it ("busybox:latest", "localhost:5000/x@sha256:..."). */
export function familiarString(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}
