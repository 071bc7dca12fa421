// How image records are named, and how the names users type are read (docker's reference store rules,
// daemon/images/image.go GetImage and reference/store.go):
//
//   tag        docker.io/library/busybox:latest                 (formatReference of a tagged reference)
//   digest     docker.io/library/busybox@sha256:<index or manifest digest>   (docker's RepoDigests)
//   dangling   moby-dangling@sha256:<image ID>                  (an image nothing names; moby's form)
//
// A name the user types is either an image ID ("sha256:<64 hex>", or 64 hex), a reference ("busybox",
// "reg:5000/a/b:t", "x@sha256:..."), or a prefix of an ID ("3f57d9401f8d"); references are tried first.
import { BerthError } from '../../base/errors.js';
import {
  type Reference,
  familiarString,
  formatReference,
  isDigest,
  parseNormalized,
  withDefaultTag,
} from '../reference/index.js';

/** The name prefix of records that keep a dangling image alive. */
export const DANGLING_PREFIX = 'moby-dangling@';

/** The record name that keeps the dangling image `id` (its config digest). */
export function danglingName(id: string): string {
  return `${DANGLING_PREFIX}${id}`;
}

/** Whether a record name is a dangling image's. */
export function isDanglingName(name: string): boolean {
  return name.startsWith(DANGLING_PREFIX);
}

/** The reference a record name holds, or undefined for dangling records and names Berth did not write. */
export function referenceOfName(name: string): Reference | undefined {
  if (isDanglingName(name)) return undefined;
  try {
    return parseNormalized(name);
  } catch {
    return undefined;
  }
}

/** The record name of a reference (the default tag added when it has neither tag nor digest). */
export function recordName(ref: Reference): string {
  return formatReference(withDefaultTag(ref));
}

/** What a user's image argument is: an image ID or ID prefix, or a reference. */
export type ImageQuery =
  | { kind: 'id'; id: string; input: string }
  | { kind: 'reference'; reference: Reference; input: string; idPrefix?: string };

const FULL_HEX = /^[a-f0-9]{64}$/;
const HEX_PREFIX = /^(?:sha256:)?[a-f0-9]{1,64}$/;

/** Reads a user's image argument (docker's ParseAnyReference, then the ID-prefix fallback). */
export function parseImageQuery(input: string): ImageQuery {
  if (FULL_HEX.test(input)) return { kind: 'id', id: `sha256:${input}`, input };
  if (input.startsWith('sha256:') && isDigest(input)) return { kind: 'id', id: input, input };
  if (input.startsWith('sha256:') && HEX_PREFIX.test(input)) return { kind: 'id', id: input, input }; // a prefix with its algorithm: only an ID can match
  let reference: Reference;
  try {
    reference = parseNormalized(input);
  } catch (err) {
    throw new BerthError('InvalidArgument', (err as Error).message, { cause: err });
  }
  return HEX_PREFIX.test(input)
    ? { kind: 'reference', reference, input, idPrefix: input }
    : { kind: 'reference', reference, input };
}

/** docker's "No such image: x" (ErrImageDoesNotExist: a reference shows with its default tag). */
export function noSuchImage(query: ImageQuery): BerthError {
  const shown = query.kind === 'id' ? query.input : familiarString(withDefaultTag(query.reference));
  return new BerthError('NotFound', `No such image: ${shown}`);
}

/** The short form of an ID docker prints (12 hex digits, the algorithm dropped). */
export function shortId(id: string): string {
  const hex = id.includes(':') ? id.slice(id.indexOf(':') + 1) : id;
  return hex.slice(0, 12);
}
