// Reads a process's identity from /proc so a recorded pid is never confused with a reused one.
import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat that tell a process apart: its state letter and start time. */
export interface ProcStat {
  state: string;
  startTime: string;
}

/** Parses /proc/<pid>/stat text (comm may hold spaces and parentheses: split after the last ')'). */
export function parseProcStat(text: string): ProcStat | null {
  const end = text.lastIndexOf(')');
  if (end < 0) return null;
  const fields = text.slice(end + 2).split(' ');
  // After comm: field 3 (state) is fields[0]; field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime) return null;
  return { state, startTime };
}

/** The stat of a live process, or null when there is none. */
export function procStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Whether `pid` is still the process that started at `startTime` and has not exited. */
export function isAlive(pid: number, startTime: string): boolean {
  const stat = procStat(pid);
  return stat !== null && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}
