// The only place where Berth's error codes become HTTP statuses for the Docker Engine API (STYLE.md):
// the body is {"message": ...}, as moby's httputils.MakeErrorHandler writes it.
import type { ServerResponse } from 'node:http';
import { BerthError, messageOf, type Code } from '../base/errors.js';

const STATUS: Record<Code, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  InvalidArgument: 400,
  FailedPrecondition: 409,
  PermissionDenied: 403,
  Unavailable: 503,
  Internal: 500,
};

/** The HTTP status for an error thrown by a handler (anything not a BerthError is a 500). */
export function statusOf(err: unknown): number {
  return err instanceof BerthError ? STATUS[err.code] : 500;
}

/** Writes `err` as the response, or ends a response whose headers are already out. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ message: messageOf(err) }) + '\n';
  res.writeHead(statusOf(err), {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
