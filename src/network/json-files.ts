// The small JSON files the library keeps (network definitions, attachment records: STATE.md): read with
// "absent" told apart from "corrupt", written atomically and private (0600).
import { readdirSync, readFileSync } from 'node:fs';
import { atomicWriteFileSync } from '../base/atomic-write.js';
import { BerthError, wrap } from '../base/errors.js';

/**
 * The parsed file, or undefined when it does not exist. `check` may throw to reject what parses but is
 * not a record of the expected kind; a corrupt file is an Internal error naming `what` and the path.
 */
export function readJsonFile<T>(path: string, what: string, check?: (value: T) => void): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrap(err, `read ${what} "${path}"`);
  }
  try {
    const value = JSON.parse(text) as T;
    check?.(value);
    return value;
  } catch (err) {
    throw new BerthError('Internal', `${what} "${path}": corrupt record: ${(err as Error).message}`);
  }
}

/** Replaces `path` with `value` as indented JSON, atomically, mode 0600; fsynced unless not `durable`. */
export function writeJsonFile(path: string, value: unknown, durable = true): void {
  atomicWriteFileSync(path, JSON.stringify(value, null, 2) + '\n', 0o600, durable);
}

/** The names in a directory; none when it does not exist. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrap(err, `read "${dir}"`);
  }
}
