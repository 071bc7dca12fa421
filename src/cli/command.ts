// What a `berth` command is: its name, flags and usage (docker's), and what it does with the daemon.
import type { Flag } from '../base/flags.js';
import type { Client } from './client.js';

/** Everything a command can use: the daemon's client and the process's streams. */
export interface CliContext {
  client: Client;
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** Whether stdout is a terminal (progress bars, colour). */
  tty: boolean;
}

/** One command of the CLI. */
export interface Command {
  name: string;
  /** `berth NAME [OPTIONS] ...` line of --help. */
  usage: string;
  summary: string;
  flags: Flag[];
  /** false: flags end at the first argument (`run IMAGE CMD --flag-of-cmd`). */
  interspersed?: boolean;
  /** Positional argument counts; a wrong count is a usage error. */
  args?: { min: number; max?: number };
  /** Runs the command; returns the exit status. */
  run(cli: CliContext, flags: Record<string, unknown>, args: string[]): Promise<number>;
}
