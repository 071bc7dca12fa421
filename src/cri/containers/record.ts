// What a CRI container's metadata record holds beyond the common columns (src/metadata/SCHEMA.md
// "Containers"): extensions.cri keeps CRI's own facts, so that a restarted daemon reports the same status.
import type { Container } from '../../metadata/index.js';

/** extensions.cri of a CRI container record. */
export interface CriExtension {
  /** ContainerMetadata. */
  name: string;
  attempt: number;
  /** The image as the request named it, and the image ID it resolved to. */
  imageRef: string;
  imageId: string;
  annotations: Record<string, string>;
  /** Times in nanoseconds since the epoch (decimal strings). */
  createdNs: string;
  startedNs?: string;
  finishedNs?: string;
  /** Why it ended or failed to start: OOMKilled, Error, Completed, or a start error. */
  reason?: string;
  message?: string;
  /** The rootfs snapshot key and mount point. */
  snapshotKey: string;
  rootfs: string;
  /** The runtime handler of its pod. */
  runtimeHandler: string;
  /** The signal StopContainer sends first (stop-signal.ts); SIGTERM for records made before it was kept. */
  stopSignal?: number;
  /** The identity its process starts with (spec process.user), for ContainerStatus.user. */
  user?: { uid: number; gid: number; additionalGids: number[] };
}

/** The CRI part of a record. */
export function criOf(c: Container): CriExtension {
  return c.extensions.cri as CriExtension;
}

/** Nanoseconds since the epoch now. */
export function nanosNow(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}
