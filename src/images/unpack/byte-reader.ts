// Exact-length reads over an async stream of chunks, for the tar reader. Every byte that passes through is
// handed to `onBytes` first, so a digest of the whole stream (the layer's diff ID) is computed on the way.

/** Reads exact lengths from an async iterable of buffers. */
export class ByteReader {
  private readonly source: AsyncIterator<Buffer>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  /** Bytes consumed by the reader's user so far. */
  offset = 0;

  constructor(
    source: AsyncIterable<Buffer>,
    private readonly onBytes: (chunk: Buffer) => void,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Pulls one more chunk into the buffer; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.source.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.onBytes(chunk);
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return true;
  }

  /** Exactly `n` bytes, or fewer only when the stream ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && (await this.fill()));
    return this.take(Math.min(n, this.buffered));
  }

  /** Up to `max` bytes (at least one unless the stream has ended), without waiting for more than one chunk. */
  async readSome(max: number): Promise<Buffer> {
    if (this.buffered === 0) await this.fill();
    while (this.buffered === 0 && !this.done) await this.fill();
    return this.take(Math.min(max, this.buffered));
  }

  /** Consumes and discards everything left (so the digest covers the whole stream); returns how many bytes. */
  async drain(): Promise<number> {
    let n = this.buffered;
    this.chunks = [];
    this.buffered = 0;
    while (!this.done) {
      const before = this.buffered;
      if (!(await this.fill())) break;
      n += this.buffered - before;
      this.chunks = [];
      this.buffered = 0;
    }
    this.offset += n;
    return n;
  }

  /** Stops the source early (a failed unpack): its cleanup runs, e.g. a zstd child is ended. */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.chunks = [];
    this.buffered = 0;
    await this.source.return?.();
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    let out: Buffer;
    if (first !== undefined && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    this.offset += n;
    return out;
  }
}
