// Reading a container's json-file log (native/shim/log.c writes it: one
// {"log":"...","stream":"stdout|stderr","time":"<RFC 3339>"} line per record, rotated to <path>.1 ...
// <path>.N) for GET /containers/{id}/logs: since/until, tail, and follow until the container stops.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** One log record. */
export interface LogRecord {
  stream: 'stdout' | 'stderr';
  /** The bytes of the record (a full line ends with "\n"). */
  line: Buffer;
  /** RFC 3339 with nanoseconds, as written. */
  time: string;
  /** Nanoseconds since the epoch (for since/until). */
  nanos: bigint;
}

/** What to read. */
export interface LogQuery {
  follow: boolean;
  /** Nanoseconds since the epoch; 0 for no bound. */
  sinceNanos: bigint;
  untilNanos: bigint;
  /** Last N records (-1: all). */
  tail: number;
  stdout: boolean;
  stderr: boolean;
}

/** Nanoseconds of an RFC 3339 time with up to 9 fractional digits. */
export function timeNanos(t: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(t);
  if (!m) return BigInt(Date.parse(t) || 0) * 1_000_000n;
  const secs = BigInt(Date.parse(`${m[1]}Z`)) / 1000n;
  return secs * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/** A since/until query value (Unix seconds with an optional fraction, as the docker CLI sends) in ns. */
export function parseUnixNanos(v: string | null): bigint {
  if (!v) return 0n;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (!m) return 0n;
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function parseLine(text: string): LogRecord | undefined {
  try {
    const r = JSON.parse(text) as { log?: string; stream?: string; time?: string };
    if (typeof r.log !== 'string' || (r.stream !== 'stdout' && r.stream !== 'stderr')) return undefined;
    const time = r.time ?? '';
    return { stream: r.stream, line: Buffer.from(r.log, 'utf8'), time, nanos: timeNanos(time) };
  } catch {
    return undefined; // a record cut short by a full disk
  }
}

/** Reads whole lines of `path` from `offset`; returns the records and the offset after the last full line. */
function readFrom(path: string, offset: number): { records: LogRecord[]; offset: number; ino: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { records: [], offset, ino: 0 };
  }
  try {
    const st = fstatSync(fd);
    if (st.size < offset) offset = 0; // truncated (rotation with one file)
    const buf = Buffer.alloc(st.size - offset);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, offset + n);
      if (got === 0) break;
      n += got;
    }
    const text = buf.subarray(0, n);
    const end = text.lastIndexOf(0x0a) + 1;
    const records: LogRecord[] = [];
    for (const line of text.subarray(0, end).toString('utf8').split('\n')) {
      if (!line) continue;
      const r = parseLine(line);
      if (r) records.push(r);
    }
    return { records, offset: offset + end, ino: st.ino };
  } finally {
    closeSync(fd);
  }
}

/** The rotated files of a log, oldest first, then the live one. */
function logFiles(path: string): string[] {
  const rotated: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) rotated.unshift(`${path}.${i}`);
  return [...rotated, path];
}

/**
 * Sends the records that match `q` to `emit`; with follow, keeps reading as the container writes until
 * `running()` is false and the file has nothing more, or `signal` aborts.
 */
export async function readLogs(
  path: string,
  q: LogQuery,
  emit: (r: LogRecord) => void,
  running: () => boolean,
  signal: AbortSignal,
): Promise<void> {
  const pass = (r: LogRecord): boolean =>
    (r.stream === 'stdout' ? q.stdout : q.stderr) &&
    (q.sinceNanos === 0n || r.nanos >= q.sinceNanos) &&
    (q.untilNanos === 0n || r.nanos <= q.untilNanos);
  let all: LogRecord[] = [];
  let offset = 0;
  let ino = 0;
  for (const file of logFiles(path)) {
    const got = readFrom(file, 0);
    all.push(...got.records.filter(pass));
    if (file === path) ({ offset, ino } = got);
  }
  if (q.tail >= 0) all = q.tail === 0 ? [] : all.slice(-q.tail);
  for (const r of all) emit(r);
  all = [];
  if (!q.follow || (q.untilNanos !== 0n && BigInt(Date.now()) * 1_000_000n > q.untilNanos)) return;
  while (!signal.aborted) {
    const wasRunning = running();
    await new Promise((r) => setTimeout(r, 100));
    let current = 0;
    try {
      current = statSync(path).ino;
    } catch {
      return; // removed
    }
    if (current !== ino) {
      // Rotated: the rest of the old file is now <path>.1, then the new file from its start.
      if (ino !== 0 && existsSync(`${path}.1`))
        for (const r of readFrom(`${path}.1`, offset).records) if (pass(r)) emit(r);
      offset = 0;
    }
    const got = readFrom(path, offset);
    offset = got.offset;
    ino = got.ino || ino;
    for (const r of got.records) if (pass(r)) emit(r);
    if (q.untilNanos !== 0n && BigInt(Date.now()) * 1_000_000n > q.untilNanos) return;
    if (!wasRunning && got.records.length === 0) return;
  }
}
