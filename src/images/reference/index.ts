// Image references (docker's distribution/reference) and digests: the only file other folders import.
export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  type Reference,
  familiarName,
  familiarString,
  formatReference,
  parseDockerRef,
  parseNormalized,
  parseReference,
  repositoryName,
  withDefaultTag,
} from './parse.js';
export { type Digest, isDigest, parseDigest } from './digest.js';
