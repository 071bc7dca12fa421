// The streaming server: Exec, Attach and PortForward answer with a URL on it, and kubelet (or crictl)
// connects there with a WebSocket. It listens on 127.0.0.1 on an ephemeral port (kubelet reaches it on
// the node itself; nothing else should); each URL holds a single-use token that expires after a minute,
// as kubelet's streaming cache does.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BerthError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import { EXEC_PROTOCOLS, PORT_FORWARD_PROTOCOLS } from './channels.js';

/** A prepared streaming request. */
export type StreamRequest =
  | {
      kind: 'exec';
      containerId: string;
      cmd: string[];
      tty: boolean;
      stdin: boolean;
      stdout: boolean;
      stderr: boolean;
    }
  | { kind: 'attach'; containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
  | { kind: 'portforward'; podId: string; ports: number[] };

/** Runs one session on an accepted WebSocket; `url` carries the query (ports=…). */
export type SessionHandler = (req: StreamRequest, ws: WebSocket, protocol: string, url: URL) => Promise<void>;

const TOKEN_TTL_MS = 60_000;

/** The server; `start` before `register`. */
export class StreamingServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly pending = new Map<string, { req: StreamRequest; expires: number }>();
  private base = '';

  constructor(
    private readonly handle: SessionHandler,
    private readonly log: Logger,
  ) {
    this.http = createServer((_req, res) => {
      res
        .writeHead(400, { 'Content-Type': 'text/plain' })
        .end('streaming: a WebSocket upgrade is required\n');
    });
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered, req) => {
        const kind = new URL(req.url ?? '/', 'http://x').pathname.split('/')[1];
        const ours = kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : EXEC_PROTOCOLS;
        return ours.find((p) => offered.has(p)) ?? false;
      },
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Listens on 127.0.0.1:<ephemeral>. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = this.http.address();
    if (!addr || typeof addr === 'string')
      throw new BerthError('Internal', 'streaming: no listening address');
    this.base = `http://127.0.0.1:${addr.port}`;
  }

  /** A URL for `req`, valid once and for a minute. */
  register(req: StreamRequest): string {
    const now = Date.now();
    for (const [t, p] of this.pending) if (p.expires < now) this.pending.delete(t);
    const token = randomBytes(16).toString('base64url');
    this.pending.set(token, { req, expires: now + TOKEN_TTL_MS });
    return `${this.base}/${req.kind}/${token}`;
  }

  /** Closes the listener and every open session. */
  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.base);
    const [, kind, token = ''] = url.pathname.split('/');
    const entry = this.pending.get(token);
    this.pending.delete(token);
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n`);
    };
    if (!entry || entry.expires < Date.now() || entry.req.kind !== kind) return refuse('404 Not Found');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (!ws.protocol) {
        ws.close(1002, 'no supported subprotocol');
        return;
      }
      this.handle(entry.req, ws, ws.protocol, url).catch((err: unknown) => {
        this.log.warn('streaming session failed', { kind: entry.req.kind, error: (err as Error).message });
        ws.terminate();
      });
    });
  }
}
