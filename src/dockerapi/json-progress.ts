// Docker's JSON progress messages (moby pkg/jsonmessage, as dockerd's streamformatter writes them), one
// object per line:
//   {"status":"Pulling from library/busybox","id":"latest"}
//   {"status":"Downloading","progressDetail":{"current":45678,"total":2152262},
//    "progress":"[=>         ...]  45.68kB/2.152MB","id":"2fce1e0cdfc5"}
//   {"errorDetail":{"message":"..."},"error":"..."}
// "progress" is the bar dockerd renders (at width 200: it has no terminal) for clients too old to draw one
// (deprecated in API 1.48, still sent by dockerd).
import { progressBar } from '../base/progress-bar.js';
import { messageOf } from '../base/errors.js';

/** One JSON message of a progress stream. */
export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  aux?: unknown;
  errorDetail?: { message: string };
  error?: string;
}

/** A status line for one item (a layer's short ID), with an empty progressDetail as dockerd sends it. */
export function statusOf(id: string, status: string): JsonMessage {
  return { status, progressDetail: {}, id };
}

/** A progress line: status, detail and dockerd's rendered bar. */
export function progressOf(id: string, status: string, current: number, total: number): JsonMessage {
  return { status, progressDetail: { current, total }, progress: progressBar(current, total, 200), id };
}

/** An error inside a stream that has started (its HTTP status is already sent). */
export function errorMessage(err: unknown): JsonMessage {
  const message = messageOf(err);
  return { errorDetail: { message }, error: message };
}
