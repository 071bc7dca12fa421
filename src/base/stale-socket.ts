// Taking over a unix socket path at start: a socket file left by a daemon that died is removed; one that
// answers means a daemon is running there, which a second one must not steal.
import { existsSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { BerthError } from './errors.js';

/** Removes a stale socket file at `path`; FailedPrecondition when something still listens on it. */
export async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive)
    throw new BerthError('FailedPrecondition', `"${path}" is in use by another daemon: stop it first`);
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
