// The frames of berth-shim's attach socket (native/shim/PROTOCOL.md "Attach socket"): an 8-byte header
// (kind, three zero bytes, big-endian payload length, as Docker's stream multiplexing) and the payload.
import { BerthError } from '../../base/errors.js';

/** Frame kinds, both directions. */
export const Kind = {
  STDIN: 0,
  STDOUT: 1,
  STDERR: 2,
  EXIT: 3,
  ATTACH: 16,
  RESIZE: 17,
  SIGNAL: 18,
  CLOSE_STDIN: 19,
  REOPEN_LOG: 20,
  WAIT: 21,
  REPLY: 32,
} as const;

/** ATTACH flags: which streams this connection takes part in. */
export const AttachFlag = { STDIN: 1, STDOUT: 2, STDERR: 4 } as const;

/** One decoded frame. */
export interface Frame {
  kind: number;
  payload: Buffer;
}

const HEADER = 8;
/** The largest frame the shim sends is one read of container output (16 KiB) or an exit record. */
const MAX_PAYLOAD = 1 << 20;

/** Encodes one frame. */
export function encodeFrame(kind: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(HEADER + payload.length);
  out[0] = kind;
  out.writeUInt32BE(payload.length, 4);
  payload.copy(out, HEADER);
  return out;
}

/** The RESIZE payload: rows and columns as big-endian u16. */
export function resizePayload(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(rows, 0);
  b.writeUInt16BE(cols, 2);
  return b;
}

/** The SIGNAL payload: the signal number as a big-endian u32. */
export function signalPayload(signal: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(signal, 0);
  return b;
}

/** Splits a byte stream into frames; keeps a partial frame until the rest arrives. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds bytes and returns every frame now complete; throws on a malformed header. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    let off = 0;
    while (this.pending.length - off >= HEADER) {
      const kind = this.pending[off]!;
      if (this.pending[off + 1] || this.pending[off + 2] || this.pending[off + 3])
        throw new BerthError('Internal', `shim protocol: frame of kind ${kind} has non-zero reserved bytes`);
      const len = this.pending.readUInt32BE(off + 4);
      if (len > MAX_PAYLOAD)
        throw new BerthError('Internal', `shim protocol: frame of kind ${kind} is ${len} bytes long`);
      if (this.pending.length - off < HEADER + len) break;
      frames.push({ kind, payload: Buffer.from(this.pending.subarray(off + HEADER, off + HEADER + len)) });
      off += HEADER + len;
    }
    this.pending = this.pending.subarray(off);
    return frames;
  }
}
