// One error taxonomy for all of Berth; only the edges (CLI, APIs) translate codes into exits or statuses.

/** The kind of failure, independent of the interface that reports it. */
export type Code =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidArgument'
  | 'FailedPrecondition'
  | 'PermissionDenied'
  | 'Unavailable'
  | 'Internal';

/** An error with a code and a lowercase, quoted-values message. */
export class BerthError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'BerthError';
  }
}

/** Adds context in front of an error's message and keeps its code (`pull "x": resolve: not found`). */
export function wrap(err: unknown, context: string): BerthError {
  if (err instanceof BerthError)
    return new BerthError(err.code, `${context}: ${err.message}`, { cause: err });
  const code = codeOfSystemError(err);
  return new BerthError(code, `${context}: ${messageOf(err)}`, { cause: err });
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function codeOfSystemError(err: unknown): Code {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'NotFound';
    case 'EEXIST':
      return 'AlreadyExists';
    case 'EACCES':
    case 'EPERM':
      return 'PermissionDenied';
    case 'EINVAL':
      return 'InvalidArgument';
    default:
      return 'Internal';
  }
}

/** Shorthand for an InvalidArgument error naming a config field. */
export function invalid(field: string, message: string): BerthError {
  return new BerthError('InvalidArgument', field ? `${field}: ${message}` : message);
}
