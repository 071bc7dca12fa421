// The content store module: interfaces (types.ts), the plain store on disk, digests and writer helpers.
export type {
  CommitOptions,
  ContentStore,
  Digest,
  Info,
  Ingester,
  Manager,
  Provider,
  Status,
  Writer,
  WriterOptions,
} from './types.js';
export { CANONICAL_ALGORITHM, Digester, digestOf, isDigest, parseDigest } from './digest.js';
export type { Algorithm, ParsedDigest } from './digest.js';
export { ContentLayout } from './layout.js';
export { LocalContentStore } from './local-store.js';
export { openWriter, writeBlob } from './open-writer.js';
export type { OpenWriterOptions } from './open-writer.js';
