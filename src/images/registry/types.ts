// The registry client's terms, and the small interfaces through which it meets the content store.
//
// BlobSink / BlobWriter follow containerd's content.Ingester / content.Writer: a writer is opened under an
// ingest ref, reports how many bytes it already holds (`offset`, so an interrupted download resumes with a
// Range request from there), takes bytes in order, and on `commit(digest, size)` verifies both and makes
// the blob visible under its digest. `close()` without commit keeps the partial ingest for a later resume.
// Lifecycle of one blob during a pull:
//
//   sink.has(d)?  ── yes ─→ skipped ("exists")
//      │ no
//   w = sink.writer(ref, desc) → w.offset = N (0 when new)
//   GET /v2/<name>/blobs/<d>  with  Range: bytes=N-   → w.write(chunk)...   (retried from w.offset)
//   w.commit(d, size)   → the blob is content; w.close()
import type { Readable } from 'node:stream';

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

/** A platform as image indexes describe it (image-spec image-index.md "platform"). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** Writes one blob into a store; see the lifecycle above. */
export interface BlobWriter {
  /** Bytes already held for this ingest (the resume offset). */
  readonly offset: number;
  /** Appends bytes at `offset`. */
  write(chunk: Uint8Array): Promise<void>;
  /** Discards the held bytes and starts again from 0 (a server that ignored our Range). */
  truncate(): Promise<void>;
  /** Verifies size and digest of everything written, and makes the blob visible under `digest`. */
  commit(digest: string, size: number): Promise<void>;
  /** Releases the writer; without a commit the partial ingest stays for a resume. */
  close(): Promise<void>;
}

/** Where pulled blobs go (the content store's face toward the client). */
export interface BlobSink {
  /** Whether the blob is already stored. */
  has(digest: string): Promise<boolean>;
  /** A writer for `desc`, resuming the ingest named `ref` if one exists. */
  writer(ref: string, desc: Descriptor): Promise<BlobWriter>;
  /** A small committed blob's bytes (the pull reads the image config back). */
  readBlob(digest: string): Promise<Buffer>;
}

/** Where pushed blobs come from. */
export interface BlobSource {
  /** The blob's bytes from `offset` on. */
  open(desc: Descriptor, offset?: number): Promise<Readable>;
}

/** What a blob transfer is doing. */
export type TransferState =
  | 'waiting'
  | 'downloading'
  | 'retrying'
  | 'verifying'
  | 'exists'
  | 'done'
  | 'uploading'
  | 'mounted'
  | 'pushed'
  | 'skipped'
  | 'failed';

/** One progress event for one blob (docker's per-layer progress lines are built from these). */
export interface ProgressEvent {
  /** The blob's digest. */
  digest: string;
  /** What the blob is for the image. */
  kind: 'index' | 'manifest' | 'config' | 'layer';
  state: TransferState;
  /** Bytes transferred so far (including resumed bytes). */
  done: number;
  /** The blob's size. */
  total: number;
  /** Why it is retrying or failed. */
  message?: string;
}

/** Receives progress events. */
export type ProgressListener = (event: ProgressEvent) => void;
