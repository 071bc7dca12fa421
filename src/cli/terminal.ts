// The terminal side of `run -it`, `exec -it` and `attach`: raw mode on the user's terminal (docker's
// term.SetRawTerminal), its size for the container's pty, and resizes passed on as they happen.
import { writeErr } from '../base/stdio.js';

/** Puts stdin in raw mode when it is a terminal; returns the function that restores it. */
export function rawMode(): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  stdin.setRawMode(true);
  return () => {
    try {
      stdin.setRawMode(false);
    } catch {
      // the terminal is gone
    }
  };
}

/** The terminal's size, or undefined when stdout is not one. */
export function terminalSize(): { rows: number; cols: number } | undefined {
  const out = process.stdout;
  if (!out.isTTY || !out.rows || !out.columns) return undefined;
  return { rows: out.rows, cols: out.columns };
}

/** Calls `resize` now and at every SIGWINCH; returns the function that stops. */
export function followResizes(resize: (rows: number, cols: number) => Promise<unknown>): () => void {
  const send = (): void => {
    const size = terminalSize();
    if (size)
      resize(size.rows, size.cols).catch((err: unknown) =>
        writeErr(`failed to resize tty: ${String(err)}\n`),
      );
  };
  send();
  process.stdout.on('resize', send);
  return () => process.stdout.off('resize', send);
}
