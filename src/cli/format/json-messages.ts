// Shows a stream of the daemon's JSON progress messages the way the docker CLI does (jsonmessage's
// DisplayJSONMessagesStream): on a terminal every item (a layer's short ID) keeps a line of its own that
// is redrawn in place — cursor up to it, clear it, write "id: Status [=====>    ] 1.2MB/3.4MB", cursor
// back down — while other lines scroll as usual; without a terminal, progress-bar updates are left out and
// every other message is one plain line ("id: Download complete"). An error message ends the stream.
import type { IncomingMessage } from 'node:http';
import { BerthError } from '../../base/errors.js';
import { progressBar } from '../../base/progress-bar.js';

/** A message of the stream (moby's JSONMessage). */
export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  aux?: unknown;
  errorDetail?: { code?: number; message?: string };
  error?: string;
}

/** Where and how to show the stream. */
export interface Display {
  write(text: string): void;
  /** A terminal: redraw progress lines in place. */
  tty: boolean;
  /** The terminal's width (progress bars need more than 110 columns). */
  columns?: number;
  /** Receives "aux" messages (push results, loaded image IDs). */
  onAux?: (aux: unknown) => void;
}

/** Reads the messages of `res` and shows them; rejects with the stream's error message, if it has one. */
export async function displayJsonMessages(res: IncomingMessage, display: Display): Promise<void> {
  const lines = new Map<string, number>();
  let buffered = '';
  const width = display.columns ?? 200;
  const show = (jm: JsonMessage): void => {
    if (jm.errorDetail !== undefined || jm.error !== undefined) {
      if (jm.errorDetail?.code === 401)
        throw new BerthError('PermissionDenied', 'authentication is required');
      throw new BerthError('Unavailable', jm.errorDetail?.message ?? jm.error ?? 'unknown error');
    }
    if (jm.aux !== undefined) {
      display.onAux?.(jm.aux);
      return;
    }
    let diff = 0;
    const tracked = jm.id !== undefined && jm.id !== '' && (jm.progressDetail !== undefined || !!jm.progress);
    if (tracked) {
      let line = lines.get(jm.id!);
      if (line === undefined) {
        line = lines.size;
        lines.set(jm.id!, line);
        if (display.tty) display.write('\n');
      }
      diff = lines.size - line;
      if (display.tty) display.write(`\x1b[${diff}A`);
    } else lines.clear(); // other output ends the block of progress lines, as docker's does
    display.write(render(jm, display.tty, width));
    if (tracked && display.tty) display.write(`\x1b[${diff}B`);
  };
  for await (const chunk of res as AsyncIterable<Buffer>) {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line !== '') show(parse(line));
    }
  }
  if (buffered.trim() !== '') show(parse(buffered.trim()));
}

function parse(line: string): JsonMessage {
  try {
    return JSON.parse(line) as JsonMessage;
  } catch {
    throw new BerthError('Internal', `the daemon sent a message that is not JSON: ${line.slice(0, 200)}`);
  }
}

/** jsonmessage.Display for one message. */
function render(jm: JsonMessage, tty: boolean, width: number): string {
  const bar =
    jm.progressDetail === undefined
      ? ''
      : progressBar(jm.progressDetail.current ?? 0, jm.progressDetail.total ?? 0, width);
  let out = '';
  let endl = '';
  if (tty && jm.stream === undefined && jm.progressDetail !== undefined) {
    out += '\x1b[2K\r';
    endl = '\r';
  } else if (!tty && bar !== '') return ''; // no progress bars without a terminal
  if (jm.id) out += `${jm.id}: `;
  if (tty && jm.progressDetail !== undefined) out += `${jm.status ?? ''} ${bar}${endl}`;
  else if (jm.progress) out += `${jm.status ?? ''} ${jm.progress}${endl}`;
  else if (jm.stream !== undefined) out += `${jm.stream}${endl}`;
  else out += `${jm.status ?? ''}${endl}\n`;
  return out;
}
