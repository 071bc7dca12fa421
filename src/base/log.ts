// The daemon's log: one line per entry on stderr, in logrus's text form (as dockerd and containerd
// write theirs), so that people and tools that read those read ours.
import { writeErr } from './stdio.js';

/** Severity, most severe first. */
export type Level = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Key/values attached to an entry. */
export type Fields = Record<string, string | number | boolean | undefined>;

/** A leveled logger with fixed fields. */
export class Logger {
  constructor(
    private readonly level: Level = 'info',
    private readonly fields: Fields = {},
    private readonly sink: (line: string) => void = writeErr,
  ) {}

  /** A logger that adds `fields` to every entry. */
  with(fields: Fields): Logger {
    return new Logger(this.level, { ...this.fields, ...fields }, this.sink);
  }

  /** Whether entries at `level` are written. */
  enabled(level: Level): boolean {
    return RANK[level] <= RANK[this.level];
  }

  /** Writes one entry. */
  log(level: Level, msg: string, fields?: Fields): void {
    if (!this.enabled(level)) return;
    let line = `time="${new Date().toISOString()}" level=${level === 'warn' ? 'warning' : level} msg=${quote(msg)}`;
    for (const [k, v] of Object.entries({ ...this.fields, ...fields }))
      if (v !== undefined) line += ` ${k}=${typeof v === 'string' ? quote(v) : String(v)}`;
    this.sink(line + '\n');
  }

  /** Logs at error level. */
  error(msg: string, fields?: Fields): void {
    this.log('error', msg, fields);
  }
  /** Logs at warning level. */
  warn(msg: string, fields?: Fields): void {
    this.log('warn', msg, fields);
  }
  /** Logs at info level. */
  info(msg: string, fields?: Fields): void {
    this.log('info', msg, fields);
  }
  /** Logs at debug level. */
  debug(msg: string, fields?: Fields): void {
    this.log('debug', msg, fields);
  }
}

/** logrus quotes a value when it holds anything but plain word characters. */
function quote(s: string): string {
  return /^[\w./:@-]+$/.test(s) ? s : JSON.stringify(s);
}
