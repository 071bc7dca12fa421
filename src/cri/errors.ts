// The only place where Berth's error codes become gRPC statuses (STYLE.md "Errors"): NotFound 5,
// AlreadyExists 6, InvalidArgument 3, FailedPrecondition 9, PermissionDenied 7, Unavailable 14,
// Internal 13. A thrown value that is not a BerthError is a bug of ours: it is Internal, with its message.
import { status, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { BerthError, messageOf, type Code } from '../base/errors.js';

const STATUS_OF: Record<Code, status> = {
  NotFound: status.NOT_FOUND,
  AlreadyExists: status.ALREADY_EXISTS,
  InvalidArgument: status.INVALID_ARGUMENT,
  FailedPrecondition: status.FAILED_PRECONDITION,
  PermissionDenied: status.PERMISSION_DENIED,
  Unavailable: status.UNAVAILABLE,
  Internal: status.INTERNAL,
};

/** The gRPC error a failed call answers with. */
export function toServiceError(err: unknown): ServiceError {
  const code = err instanceof BerthError ? STATUS_OF[err.code] : status.INTERNAL;
  const details = messageOf(err);
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

/** An UNIMPLEMENTED answer for a call Berth does not serve, saying why. */
export function unimplemented(method: string, why: string): ServiceError {
  const details = `${method}: not implemented by berth: ${why}`;
  return Object.assign(new Error(details), {
    code: status.UNIMPLEMENTED,
    details,
    metadata: new Metadata(),
  });
}
