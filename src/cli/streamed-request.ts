// Requests whose answer is a stream of JSON progress messages (pull, push, load): the response is checked
// for an error status first, then shown as docker shows such streams (format/json-messages.ts).
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { CliContext } from './command.js';
import { DaemonError, messageOfBody } from './client.js';
import { displayJsonMessages } from './format/json-messages.js';

/** Opens `method path` (with a raw body stream, if any) and returns the response; a status ≥ 400 throws. */
export async function openStream(
  cli: CliContext,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Readable,
): Promise<IncomingMessage> {
  const res =
    body === undefined
      ? await cli.client.open(method, path, undefined, headers)
      : await cli.client.upload(method, path, body, headers);
  if ((res.statusCode ?? 0) >= 400) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw new DaemonError(res.statusCode ?? 0, messageOfBody(Buffer.concat(chunks)));
  }
  return res;
}

/** Shows a progress stream on stdout (or nowhere, when `quiet`); rejects with the stream's error. */
export async function showProgress(
  cli: CliContext,
  res: IncomingMessage,
  opts: { quiet?: boolean; onAux?: (aux: unknown) => void } = {},
): Promise<void> {
  await displayJsonMessages(res, {
    write: opts.quiet ? () => undefined : cli.out,
    tty: cli.tty && !opts.quiet,
    columns: process.stdout.columns ?? 200,
    ...(opts.onAux ? { onAux: opts.onAux } : {}),
  });
}
