// Decompression of layer streams. gzip uses Node's zlib. zstd goes through Debian's zstd binary over pipes:
// Node 20's zlib has no zstd, and the binary (the reference implementation, multi-threaded reads, streaming,
// multi-frame) decodes several times faster than the pure-JS decoders on npm (fzstd, zstddec), which would
// also put decoding on the event loop that carries the other layers' downloads.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BerthError } from '../../base/errors.js';
import type { Compression } from './media-types.js';

/** The zstd binary (package zstd). */
export const ZSTD_BINARY = '/usr/bin/zstd';

/** The decompressed form of `input`, as an async iterable of chunks. */
export function decompress(input: Readable, compression: Compression): AsyncIterable<Buffer> {
  switch (compression) {
    case 'none':
      return input;
    case 'gzip': {
      const gunzip = createGunzip();
      input.on('error', (err) => gunzip.destroy(err));
      gunzip.on('error', () => input.destroy());
      input.pipe(gunzip);
      return rewordErrors(gunzip, (err) => `gzip: ${err.message}`);
    }
    case 'zstd':
      return zstdDecompress(input);
  }
}

async function* rewordErrors(stream: Readable, message: (err: Error) => string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError('InvalidArgument', message(err as Error), { cause: err });
  }
}

async function* zstdDecompress(input: Readable): AsyncGenerator<Buffer> {
  const child = spawn(ZSTD_BINARY, ['-d', '-c', '-q', '--no-progress'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 4096)));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(new BerthError('FailedPrecondition', `zstd: ${err.message}`)));
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : 1)));
  });
  exited.catch(() => undefined);
  let inputError: Error | undefined;
  input.on('error', (err) => {
    inputError = err;
    child.stdin.destroy();
  });
  child.stdin.on('error', () => undefined); // EPIPE when zstd stops early: its exit code says why
  input.pipe(child.stdin);
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited;
    if (inputError) throw inputError;
    if (code !== 0)
      throw new BerthError('InvalidArgument', `zstd: ${stderr.trim() || `exit status ${code}`}`);
    finished = true;
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) {
      input.unpipe(child.stdin);
      input.destroy();
      child.kill('SIGKILL'); // our own child, by its handle
      await exited.catch(() => undefined);
    }
  }
}
