// Reading CRI-format log records back (specs/cri/log-format.md "Line grammar"): ExecSync collects an
// exec's output from the log its shim wrote, and the tests read containers' logs the way kubelet does.
// A P record's newline is dropped (the next record of the stream continues it); an F record's stands for
// the newline the program wrote.

/** One parsed record. */
export interface CriLogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

/** The records of a CRI log file's bytes; an unparseable line is skipped, as kubelet skips it. */
export function parseCriLog(data: Buffer): CriLogRecord[] {
  const out: CriLogRecord[] = [];
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length;
    const line = data.subarray(start, end);
    start = end + 1;
    const s1 = line.indexOf(0x20);
    const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
    const s3 = s2 < 0 ? -1 : line.indexOf(0x20, s2 + 1);
    if (s3 < 0) continue;
    const stream = line.subarray(s1 + 1, s2).toString();
    if (stream !== 'stdout' && stream !== 'stderr') continue;
    const tags = line
      .subarray(s2 + 1, s3)
      .toString()
      .split(':');
    out.push({
      time: line.subarray(0, s1).toString(),
      stream,
      partial: tags[0] === 'P',
      content: Buffer.from(line.subarray(s3 + 1)),
    });
  }
  return out;
}

/** Each stream's bytes as the program wrote them (F records end in a newline, P records join). */
export function streamsOf(records: CriLogRecord[]): { stdout: Buffer; stderr: Buffer } {
  const parts: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  for (const r of records) {
    parts[r.stream].push(r.content);
    if (!r.partial) parts[r.stream].push(Buffer.from('\n'));
  }
  return { stdout: Buffer.concat(parts.stdout), stderr: Buffer.concat(parts.stderr) };
}
