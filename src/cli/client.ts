// The CLI's only way to the daemon: HTTP on berthd's socket, the Docker Engine API (STYLE.md: the CLI
// talks HTTP only). Errors from the daemon become "Error response from daemon: <message>", as docker's.
import { request, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Readable } from 'node:stream';
import { BerthError, type Code } from '../base/errors.js';

/** Where berthd listens unless BERTH_HOST or -H says otherwise. */
export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

/** A failure the daemon reported, with its HTTP status. */
export class DaemonError extends BerthError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(codeOf(status), message);
  }
}

function codeOf(status: number): Code {
  if (status === 404) return 'NotFound';
  if (status === 409) return 'AlreadyExists';
  if (status === 400) return 'InvalidArgument';
  if (status === 403) return 'PermissionDenied';
  if (status === 503) return 'Unavailable';
  return 'Internal';
}

/** A response whose body has been read. */
export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** An API client bound to one daemon address. */
export class Client {
  /** Where requests go: a unix socket path, or a TCP host and port. */
  readonly target: Pick<RequestOptions, 'socketPath' | 'host' | 'port'>;

  constructor(readonly host: string) {
    if (host.startsWith('unix://')) this.target = { socketPath: host.slice('unix://'.length) };
    else if (host.startsWith('/')) this.target = { socketPath: host };
    else {
      const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(host);
      if (!m) throw new BerthError('InvalidArgument', `host "${host}": want unix:///path or tcp://host:port`);
      this.target = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
    }
  }

  /** Starts a request; `path` is without the version prefix (the daemon's current API is used). */
  open(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    /** A raw body streamed as is (a tar for PUT /containers/{id}/archive), instead of JSON. */
    stream?: NodeJS.ReadableStream,
  ): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...this.target,
          method,
          path,
          headers: {
            Host: 'berth',
            'User-Agent': 'berth-cli',
            ...(payload
              ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }
              : {}),
            ...headers,
          },
        },
        resolve,
      );
      req.on('error', (err) => reject(this.unreachable(err)));
      if (stream) {
        req.setHeader('Content-Type', 'application/x-tar');
        stream.pipe(req);
      } else req.end(payload);
    });
  }

  /** Starts a request whose body is streamed from `body` (an image archive for load, a tar for cp). */
  upload(
    method: string,
    path: string,
    body: Readable,
    headers: Record<string, string> = {},
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...this.target,
          method,
          path,
          headers: {
            Host: 'berth',
            'User-Agent': 'berth-cli',
            'Content-Type': 'application/x-tar',
            ...headers,
          },
        },
        resolve,
      );
      req.on('error', (err) => reject(this.unreachable(err)));
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    });
  }

  /** A whole request and its body; a status of 400 and above is thrown as DaemonError. */
  async call(method: string, path: string, body?: unknown): Promise<Reply> {
    const res = await this.open(method, path, body);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const reply = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
    if (reply.status >= 400) throw new DaemonError(reply.status, messageOfBody(reply.body));
    return reply;
  }

  /** GETs JSON. */
  async json<T>(path: string): Promise<T> {
    return JSON.parse((await this.call('GET', path)).body.toString('utf8')) as T;
  }

  /** The error for a daemon that cannot be reached, saying how to start one. */
  unreachable(err: NodeJS.ErrnoException): BerthError {
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')
      return new BerthError(
        'Unavailable',
        `Cannot connect to the Berth daemon at ${this.host}. Is berthd running? Start it with: sudo berthd &`,
      );
    if (err.code === 'EACCES')
      return new BerthError(
        'PermissionDenied',
        `permission denied while trying to connect to the Berth daemon socket at ${this.host}: run as root`,
      );
    return new BerthError('Unavailable', `cannot reach the daemon at ${this.host}: ${err.message}`);
  }
}

/** The daemon's {"message": ...} error body, or the raw text. */
export function messageOfBody(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return text;
}
