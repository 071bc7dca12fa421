// The multiplexed stream of attach, logs and exec without a TTY (moby's pkg/stdcopy): each frame is an
// 8-byte header — stream (0 stdin, 1 stdout, 2 stderr, 3 system error), three zero bytes, the payload
// length as big-endian u32 — then the payload. With a TTY the stream is raw, without frames.

/** Stream numbers of the header. */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;

/** One frame around `payload`. */
export function frame(stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Splits a multiplexed byte stream back into frames, across chunk boundaries. */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the frames completed by them. */
  push(chunk: Buffer): { stream: number; payload: Buffer }[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: { stream: number; payload: Buffer }[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      frames.push({ stream: this.pending[0]!, payload: this.pending.subarray(8, 8 + size) });
      this.pending = this.pending.subarray(8 + size);
    }
    return frames;
  }

  /** Bytes of an unfinished frame. */
  get leftover(): number {
    return this.pending.length;
  }
}
