// What a route handler gets: the request, its path parameters and query, the negotiated API version, and
// helpers that write responses the way moby's httputils does (JSON bodies, 204s, streamed JSON messages).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { BerthError } from '../base/errors.js';

/** An API version as a comparable number pair. */
export interface ApiVersion {
  major: number;
  minor: number;
  /** "1.41". */
  text: string;
}

/** The raw connection of a request that asked to upgrade it (`Connection: Upgrade`, `Upgrade: tcp`). */
export interface Upgrade {
  socket: Duplex;
  /** Bytes the client sent after the request head, already read off the socket. */
  head: Buffer;
}

/** One request being served. */
export class ApiContext {
  /** Query parameters of the request. */
  readonly query: URLSearchParams;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly params: Record<string, string>,
    url: URL,
    /** The version the client asked for in the path, or the server's own. */
    readonly version: ApiVersion,
    private readonly upgrade?: Upgrade,
  ) {
    this.query = url.searchParams;
  }

  /** Whether the request's API version is at least `major.minor`. */
  atLeast(major: number, minor: number): boolean {
    return this.version.major > major || (this.version.major === major && this.version.minor >= minor);
  }

  /** A query parameter as a boolean, as moby's httputils.BoolValue reads it ("1", "true", "True"...). */
  bool(name: string): boolean {
    const v = this.query.get(name);
    return v !== null && !['', '0', 'false', 'no', 'off', 'none'].includes(v.trim().toLowerCase());
  }

  /** A query parameter as an integer, or `fallback` when absent; a bad value is a 400 naming it. */
  int(name: string, fallback: number): number {
    const v = this.query.get(name);
    if (v === null || v === '') return fallback;
    if (!/^-?\d+$/.test(v))
      throw new BerthError('InvalidArgument', `invalid value for "${name}": "${v}" is not an integer`);
    return Number(v);
  }

  /** The JSON-encoded `filters` query parameter (`{"dangling":["true"]}`, or the old map form). */
  filters(): Map<string, string[]> {
    const raw = this.query.get('filters');
    const out = new Map<string, string[]>();
    if (!raw) return out;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new BerthError('InvalidArgument', `invalid filter: "${raw}" is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new BerthError('InvalidArgument', `invalid filter: "${raw}"`);
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      // Either {"key":["v1","v2"]} or the legacy {"key":{"v1":true}}.
      if (Array.isArray(value)) out.set(key, value.map(String));
      else if (value && typeof value === 'object') out.set(key, Object.keys(value));
      else throw new BerthError('InvalidArgument', `invalid filter "${key}"`);
    }
    return out;
  }

  /** Reads the request body as JSON (an empty body is `undefined`). */
  async body<T>(): Promise<T | undefined> {
    const chunks: Buffer[] = [];
    if (this.upgrade) {
      // An upgraded request's body is not the request stream's: it came with the head (exec start's
      // {"Detach":false,...}); what follows it belongs to the raw stream.
      const length = Number(this.req.headers['content-length'] ?? 0);
      chunks.push(this.upgrade.head.subarray(0, length));
      this.upgrade.head = this.upgrade.head.subarray(length);
    } else for await (const c of this.req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new BerthError('InvalidArgument', `invalid JSON in the request body: ${(err as Error).message}`);
    }
  }

  /** Sends `value` as JSON with `status`. */
  json(status: number, value: unknown): void {
    const body = JSON.stringify(value) + '\n';
    this.res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    this.res.end(body);
  }

  /** Sends plain text. */
  text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
    this.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    this.res.end(this.req.method === 'HEAD' ? undefined : body);
  }

  /** A body-less status (204 No Content, 201 Created, 304 Not Modified). */
  status(status: number): void {
    this.res.writeHead(status);
    this.res.end();
  }

  /**
   * Takes over the connection for a raw stream, as moby's hijack does: answers 101 with the raw-stream
   * content type and returns the socket (what the client sent early is pushed back onto it). Only a
   * request that did not ask to upgrade (dockerode's `hijack: false`) gets 200 and the stream as its body,
   * output only, as moby answers it (httputils hijack writes "200 OK" with the same content type).
   */
  hijack(contentType = 'application/vnd.docker.raw-stream'): Duplex {
    if (!this.upgrade) return this.streamBody(contentType);
    const { socket, head } = this.upgrade;
    const headers = [
      'HTTP/1.1 101 UPGRADED',
      `Content-Type: ${contentType}`,
      'Connection: Upgrade',
      'Upgrade: tcp',
    ];
    for (const name of ['Api-Version', 'Docker-Experimental', 'Ostype', 'Server']) {
      const v = this.res.getHeader(name);
      if (v !== undefined) headers.push(`${name}: ${String(v)}`);
    }
    this.res.detachSocket(socket as Socket);
    socket.write(headers.join('\r\n') + '\r\n\r\n');
    if (head.length) socket.unshift(head);
    return socket;
  }

  /** The response body as the output side of a stream whose input has already ended. */
  private streamBody(contentType: string): Duplex {
    const res = this.res;
    res.writeHead(200, { 'Content-Type': contentType });
    res.flushHeaders();
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        res.write(chunk, () => done());
      },
      final(done) {
        res.end(() => done());
      },
    });
    stream.push(null);
    res.once('close', () => {
      if (!res.writableFinished) stream.destroy();
    });
    return stream;
  }

  /**
   * Starts a stream of JSON messages (pull progress, events): one object per line, flushed as written.
   * Errors after this point travel in the stream as {"errorDetail":{"message":...},"error":...}.
   */
  startJsonStream(): (message: unknown) => void {
    this.res.writeHead(200, { 'Content-Type': 'application/json' });
    this.res.flushHeaders();
    return (message) => {
      if (!this.res.writableEnded) this.res.write(JSON.stringify(message) + '\r\n');
    };
  }
}
