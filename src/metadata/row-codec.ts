// How values sit in metadata rows: JSON text for labels and objects, RFC 3339 text for times, 0/1 for
// booleans, NULL for absent optional values.
import { BerthError } from '../base/errors.js';

/** A JSON column's text. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? {});
}

/** A JSON column's value (labels, configs). */
export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

/** Now, as stored. */
export function nowText(): string {
  return new Date().toISOString();
}

/** A time column's value, or undefined when NULL. */
export function toDate(text: string | null | undefined): Date | undefined {
  return text === null || text === undefined ? undefined : new Date(text);
}

/** A required time column's value. */
export function toDateRequired(text: string): Date {
  return new Date(text);
}

/** Whether a better-sqlite3 error is a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Whether a better-sqlite3 error is a FOREIGN KEY violation (a row still referenced, or a missing parent). */
export function isForeignKeyViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Runs an insert, turning a uniqueness violation into AlreadyExists with `message`. */
export function insertOrAlreadyExists(run: () => void, message: string): void {
  try {
    run();
  } catch (err) {
    if (isUniqueViolation(err)) throw new BerthError('AlreadyExists', message);
    throw err;
  }
}
