// The content store: immutable blobs addressed by their digest, and ingests that become blobs.
//
// Terms (containerd's content.Store, whose shape this follows):
//   digest   "<algorithm>:<hex>" of a blob's bytes (OCI image-spec descriptor.md "Digests"); sha256 and
//            sha512 are accepted. A blob's digest is its name: the same bytes are stored once.
//   ingest   a blob being written, named by a caller-chosen `ref` (e.g. "layer-sha256:ab12..."). It has an
//            offset (bytes written so far), an optional expected digest and total size, and survives a
//            crash or a dropped download: opening a writer with the same ref resumes at its offset.
//   commit   the end of an ingest: the size and digest are checked, the data is fsynced, renamed into
//            place and the directory fsynced, so a blob is either fully there, verified, or absent.
//   lock     one writer per ref (and per expected digest) at a time, across processes. A second writer
//            for a locked ref gets Unavailable; `openWriter` waits for the lock and then finds the blob
//            committed (AlreadyExists) or takes over the ingest where it was left.
//
// Lifecycle of an ingest:
//
//     const w = await store.writer({ ref: 'layer-sha256:ab12', expected: 'sha256:ab12...', total: 1234 });
//     // w.offset is 0 for a new ingest, or the bytes already written by an earlier (crashed) writer:
//     // ask the registry for the rest (HTTP Range: bytes=<offset>-) and write it.
//     await w.write(chunk);                   // hashed while written; more than `total` bytes is refused
//     await w.commit(1234, 'sha256:ab12...'); // FailedPrecondition if size or digest differ
//     // or: await w.close() to keep the ingest for later, or store.abort(ref) to throw it away
//
// Errors (BerthError codes): NotFound (no such blob or ingest), AlreadyExists (the expected digest is
// already committed), FailedPrecondition (size or digest mismatch, naming both values), Unavailable
// (the ref is locked by another writer), InvalidArgument (a malformed digest or ref).
//
// On disk (owned by local-store.ts and documented there): <root>/content/blobs/<alg>/<hex> and
// <root>/content/ingest/<sha256 of ref>/{ref,data,meta.json,lock}. Labels are not kept here: the metadata
// store keeps them per namespace (src/metadata), so this store is the same for every namespace.
import type { Readable } from 'node:stream';

/** A digest string, "<algorithm>:<encoded>" (OCI image-spec descriptor.md). */
export type Digest = string;

/** What the store knows about one committed blob. */
export interface Info {
  /** The blob's digest (its address). */
  digest: Digest;
  /** Size in bytes. */
  size: number;
  /** When the blob was committed (the file's mtime). */
  createdAt: Date;
  /** When the blob's record last changed; the same as createdAt in the plain store. */
  updatedAt: Date;
  /** Labels; always empty in the plain store, set per namespace by the metadata store. */
  labels: Record<string, string>;
}

/** The state of one ingest. */
export interface Status {
  /** The caller's name for this ingest. */
  ref: string;
  /** Bytes written so far: where a resumed writer continues. */
  offset: number;
  /** The expected total size, or 0 when unknown. */
  total: number;
  /** The expected digest, or undefined when unknown. */
  expected?: Digest;
  /** When the ingest was first opened. */
  startedAt: Date;
  /** When data was last written. */
  updatedAt: Date;
}

/** Options for opening a writer. */
export interface WriterOptions {
  /** The ingest's name; the same ref resumes the same ingest. */
  ref: string;
  /** The digest the blob must have; makes the writer fail fast with AlreadyExists when already present. */
  expected?: Digest;
  /** The size the blob must have (0 or undefined: unknown); more bytes than this are refused. */
  total?: number;
  /** Labels to record on commit (used by the metadata store; ignored by the plain store). */
  labels?: Record<string, string>;
}

/** Options for commit. */
export interface CommitOptions {
  /** Labels to record on the committed blob (metadata store only). */
  labels?: Record<string, string>;
}

/** An open ingest. Only one exists per ref at a time; close, commit or abort it to release the ref. */
export interface Writer {
  /** The ingest's ref. */
  readonly ref: string;
  /** Bytes written so far (including those of earlier writers of this ingest). */
  readonly offset: number;
  /** Appends bytes; refused (FailedPrecondition) when they would pass the expected total. */
  write(chunk: Uint8Array): Promise<void>;
  /** The digest of the bytes written so far, with the ingest's algorithm. */
  digest(): Digest;
  /** The ingest's current status. */
  status(): Promise<Status>;
  /** Discards everything written so far (offset back to 0), e.g. after a digest mismatch. */
  truncate(): Promise<void>;
  /**
   * Verifies size and digest (either may be 0 / undefined to skip that check, but the ingest's own
   * expected values always apply), makes the blob durable and visible, removes the ingest and releases
   * the ref. AlreadyExists when the blob was already there (the ingest is removed all the same).
   */
  commit(size: number, expected?: Digest, opts?: CommitOptions): Promise<Info>;
  /** Releases the ref and keeps the ingest on disk for a later writer. Idempotent. */
  close(): Promise<void>;
}

/** Reads committed blobs. */
export interface Provider {
  /** A stream of the blob's bytes from `offset` (default 0). NotFound if absent. */
  reader(digest: Digest, opts?: { offset?: number }): Promise<Readable>;
  /** The whole blob in memory (for manifests and configs; never for layers). NotFound if absent. */
  readBlob(digest: Digest): Promise<Buffer>;
}

/** Looks up and removes committed blobs. */
export interface Manager {
  /** The blob's info; NotFound if absent. */
  info(digest: Digest): Promise<Info>;
  /** Every blob, in no particular order. */
  list(): Promise<Info[]>;
  /** Changes labels (only those named in `fieldpaths`, "labels.<key>", or all with "labels"). */
  update(info: Pick<Info, 'digest' | 'labels'>, fieldpaths?: string[]): Promise<Info>;
  /** Removes the blob; NotFound if absent. */
  delete(digest: Digest): Promise<void>;
}

/** Creates and inspects ingests. */
export interface Ingester {
  /** Opens (or resumes) the ingest `ref`; AlreadyExists if `expected` is committed, Unavailable if locked. */
  writer(opts: WriterOptions): Promise<Writer>;
  /** The status of one ingest; NotFound if there is none. */
  status(ref: string): Promise<Status>;
  /** Every ingest, optionally only those whose ref starts with `refPrefix`. */
  listStatuses(refPrefix?: string): Promise<Status[]>;
  /** Removes an ingest; NotFound if there is none, Unavailable while a writer holds it. */
  abort(ref: string): Promise<void>;
}

/** The whole content store interface, implemented by the plain store and by the namespaced metadata view. */
export interface ContentStore extends Provider, Manager, Ingester {}
