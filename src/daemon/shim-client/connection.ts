// One connection to a shim's attach socket: requests answered in order by REPLY frames, output and the
// EXIT frame delivered as events (native/shim/PROTOCOL.md "Attach socket").
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { BerthError, wrap } from '../../base/errors.js';
import { encodeFrame, FrameDecoder, Kind, type Frame } from './protocol.js';
import type { ExitStatus } from './types.js';

/** Largest STDIN frame this side sends; any size up to 2^32-1 is valid on the wire. */
const STDIN_CHUNK = 64 * 1024;

interface Pending {
  what: string;
  resolve(): void;
  reject(err: Error): void;
}

/** Parses an exit record (the exit file or an EXIT frame's payload). */
export function parseExitStatus(text: string): ExitStatus {
  const raw = JSON.parse(text) as Partial<ExitStatus>;
  if (typeof raw.exitCode !== 'number' || typeof raw.pid !== 'number')
    throw new BerthError('Internal', `exit record "${text.trim()}": no exitCode or pid`);
  return {
    pid: raw.pid,
    exitCode: raw.exitCode,
    signal: raw.signal ?? 0,
    oomKilled: raw.oomKilled === true,
    exitedAt: raw.exitedAt ?? '',
    logDropped: raw.logDropped ?? 0,
  };
}

/**
 * A client of attach.sock. Events: `stdout` and `stderr` (Buffer), `exit` (ExitStatus, then the shim
 * closes), `close` (no more events; `exit` may not have come when the shim was already gone).
 */
export class ShimConnection extends EventEmitter {
  private readonly decoder = new FrameDecoder();
  private readonly pending: Pending[] = [];
  private ended = false;
  /** The EXIT frame's record, once it came. */
  exit?: ExitStatus;

  private constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish());
  }

  /**
   * Connects; rejects with the socket error (ENOENT, ECONNREFUSED when the shim is gone). EAGAIN (the
   * shim's listen backlog is full for a moment, unix(7)) is retried for up to a second.
   */
  static async open(path: string): Promise<ShimConnection> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ShimConnection.connectOnce(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || attempt >= 100) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  private static connectOnce(path: string): Promise<ShimConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const fail = (err: Error): void => reject(err);
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        resolve(new ShimConnection(socket));
      });
    });
  }

  /** Sends a request frame; resolves on an empty REPLY, rejects with the shim's message otherwise. */
  request(kind: number, payload: Buffer | undefined, what: string): Promise<void> {
    if (this.ended) return Promise.reject(new BerthError('Unavailable', `${what}: the shim has exited`));
    return new Promise((resolve, reject) => {
      this.pending.push({ what, resolve, reject });
      this.socket.write(encodeFrame(kind, payload));
    });
  }

  /** Bytes for the container's stdin (the connection must be attached with stdin). */
  writeStdin(data: Buffer): void {
    if (this.ended) return;
    for (let off = 0; off < data.length; off += STDIN_CHUNK)
      this.socket.write(encodeFrame(Kind.STDIN, data.subarray(off, off + STDIN_CHUNK)));
  }

  /** This attacher is done with stdin (with stdin-once, the container's stdin is closed). */
  endStdin(): void {
    if (!this.ended) this.socket.write(encodeFrame(Kind.STDIN));
  }

  /**
   * Closes the container's stdin (CLOSE_STDIN) on this connection: after the STDIN bytes sent before it,
   * since the shim reads one client's frames in order (PROTOCOL.md "Attach socket").
   */
  closeStdin(): Promise<void> {
    return this.request(Kind.CLOSE_STDIN, undefined, 'close stdin');
  }

  /** Detaches. */
  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.socket.destroy(err as Error);
      return;
    }
    for (const f of frames) {
      if (f.kind === Kind.REPLY) {
        const p = this.pending.shift();
        const msg = f.payload.toString('utf8');
        if (msg === '') p?.resolve();
        else p?.reject(new BerthError(codeOf(msg), `${p.what}: ${msg}`));
      } else if (f.kind === Kind.STDOUT) this.emit('stdout', f.payload);
      else if (f.kind === Kind.STDERR) this.emit('stderr', f.payload);
      else if (f.kind === Kind.EXIT) {
        this.exit = parseExitStatus(f.payload.toString('utf8'));
        this.emit('exit', this.exit);
      }
    }
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    for (const p of this.pending.splice(0))
      p.reject(
        err ? wrap(err, p.what) : new BerthError('Unavailable', `${p.what}: the shim closed the connection`),
      );
    this.emit('close');
  }
}

function codeOf(msg: string): BerthError['code'] {
  if (msg.includes('has exited') || msg.includes('no terminal') || msg.includes('no stdin'))
    return 'FailedPrecondition';
  if (msg.includes('must be') || msg.includes('is not a')) return 'InvalidArgument';
  return 'Internal';
}
