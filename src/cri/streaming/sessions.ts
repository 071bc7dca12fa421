// What a streaming session does once its WebSocket is open. Exec: a process under its own shim (held on
// the built-in path until its attacher is connected, so that no output is lost), its streams bridged to
// the channels, its exit code sent as the final status. Attach: the container's own streams. Port
// forward: each connection dials 127.0.0.1:<port> inside the pod's network namespace through nsenter(1)
// and busybox nc (Node cannot enter a namespace itself), or on the host for a hostNetwork pod.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { messageOf } from '../../base/errors.js';
import type { ShimConnection } from '../../daemon/shim-client/index.js';
import type { Process } from '../../oci/runtime-spec.js';
import type { CriContainerService } from '../containers/service.js';
import type { PodService } from '../pods/pod-service.js';
import { isHostNetwork } from '../pods/pod-service.js';
import { Channel, frame, parseResize, statusMessage } from './channels.js';
import type { SessionHandler, StreamRequest } from './server.js';

/** busybox's nc: the one program port forwarding runs in the pod's netns (Debian busybox-static). */
export const NC = '/bin/busybox';

/**
 * The client's messages from the moment the socket opens: a client sends stdin at once, while the
 * session is still making its process; what comes before the bridge exists is kept and replayed.
 */
export class Inbox {
  private queue: Buffer[] = [];
  private sink: ((data: Buffer) => void) | undefined;

  constructor(ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      if (this.sink) this.sink(raw);
      else this.queue.push(raw);
    });
  }

  /** Delivers every message, the kept ones first. */
  deliver(sink: (data: Buffer) => void): void {
    this.sink = sink;
    for (const m of this.queue) sink(m);
    this.queue = [];
  }
}

/** Bridges a shim connection and a WebSocket until the process ends; resolves with its exit code. */
function bridge(
  conn: ShimConnection,
  ws: WebSocket,
  inbox: Inbox,
  protocol: string,
  opts: { stdin: boolean; resize?: (rows: number, cols: number) => void },
): Promise<number | undefined> {
  conn.on('stdout', (d: Buffer) => ws.send(frame(Channel.STDOUT, d)));
  conn.on('stderr', (d: Buffer) => ws.send(frame(Channel.STDERR, d)));
  inbox.deliver((data) => {
    const ch = data[0];
    if (ch === Channel.STDIN && opts.stdin) conn.writeStdin(data.subarray(1));
    else if (ch === Channel.RESIZE) {
      const size = parseResize(data.subarray(1));
      if (size) opts.resize?.(size.rows, size.cols);
    } else if (ch === Channel.CLOSE && protocol === 'v5.channel.k8s.io' && data[1] === Channel.STDIN)
      conn.endStdin();
  });
  ws.on('close', () => conn.close());
  return new Promise((resolve) => {
    conn.once('close', () => resolve(conn.exit?.exitCode));
  });
}

function finish(ws: WebSocket, protocol: string, exitCode: number | undefined, error?: string): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(frame(Channel.ERROR, statusMessage(protocol, exitCode, error)));
  ws.close(1000);
}

async function execSession(
  containers: CriContainerService,
  req: Extract<StreamRequest, { kind: 'exec' }>,
  ws: WebSocket,
  inbox: Inbox,
  protocol: string,
): Promise<void> {
  const c = containers.running(req.containerId);
  const spec = JSON.parse(readFileSync(join(containers.bundleOf(c.id), 'config.json'), 'utf8')) as {
    process: Process;
  };
  const execId = `x${randomBytes(4).toString('hex')}`;
  const key = `${c.id}/${execId}`;
  const process: Process = { ...spec.process, args: req.cmd, terminal: req.tty };
  const shims = containers.shims;
  try {
    await shims.exec(c.id, execId, { process, stdin: req.stdin, stdinOnce: req.stdin, hold: true });
    const conn = await shims.attach(key, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr });
    const done = bridge(conn, ws, inbox, protocol, {
      stdin: req.stdin,
      resize: (rows, cols) => void shims.resize(key, rows, cols).catch(() => undefined),
    });
    const st = await shims.state(key);
    if (st.status === 'created') await shims.start(key);
    await done;
    const exit = await shims.wait(key);
    finish(ws, protocol, exit.exitCode);
  } catch (err) {
    finish(ws, protocol, undefined, messageOf(err));
  } finally {
    await shims.delete(key, { force: true }).catch(() => undefined);
  }
}

async function attachSession(
  containers: CriContainerService,
  req: Extract<StreamRequest, { kind: 'attach' }>,
  ws: WebSocket,
  inbox: Inbox,
  protocol: string,
): Promise<void> {
  const c = containers.running(req.containerId);
  const shims = containers.shims;
  try {
    const conn = await shims.attach(c.id, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr });
    await bridge(conn, ws, inbox, protocol, {
      stdin: req.stdin,
      resize: (rows, cols) => void shims.resize(c.id, rows, cols).catch(() => undefined),
    });
    // The attacher left, or the container ended: only then is there an exit code to report.
    const st = await shims.state(c.id);
    finish(ws, protocol, st.exit?.exitCode ?? 0);
  } catch (err) {
    finish(ws, protocol, undefined, messageOf(err));
  }
}

/** A byte stream to 127.0.0.1:port in the pod's network. */
function dialInPod(netnsPath: string | undefined, port: number): Duplex {
  if (!netnsPath) return connect(port, '127.0.0.1');
  const child = spawn('nsenter', [`--net=${netnsPath}`, NC, 'nc', '127.0.0.1', String(port)], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const s = Duplex.from({ readable: child.stdout, writable: child.stdin });
  // A spawn failure is an 'error' of the child: it becomes the stream's, which the session reports.
  child.once('error', (err) => s.destroy(err));
  s.on('close', () => child.kill('SIGKILL'));
  return s;
}

async function portForwardSession(
  pods: PodService,
  req: Extract<StreamRequest, { kind: 'portforward' }>,
  ws: WebSocket,
  inbox: Inbox,
  url: URL,
): Promise<void> {
  const pod = await pods.get(req.podId);
  const asked = url.searchParams
    .getAll('ports')
    .flatMap((p) => p.split(','))
    .map(Number);
  const ports = asked.length ? asked : req.ports;
  const netns = isHostNetwork(pod) ? undefined : pod.netnsPath;
  const streams = ports.map((port, i) => {
    const data = 2 * i;
    const errCh = 2 * i + 1;
    // Each channel opens with its port, two bytes little-endian (the apiserver's portforward websocket).
    const hdr = Buffer.alloc(2);
    hdr.writeUInt16LE(port);
    ws.send(frame(data, hdr));
    ws.send(frame(errCh, hdr));
    const s = dialInPod(netns, port);
    s.on('data', (d: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(data, d)));
    s.on('error', (e) => ws.readyState === ws.OPEN && ws.send(frame(errCh, `port ${port}: ${e.message}`)));
    return s;
  });
  inbox.deliver((raw) => {
    const ch = raw[0] ?? 255;
    const s = ch % 2 === 0 ? streams[ch / 2] : undefined;
    if (s) s.write(raw.subarray(1));
  });
  await new Promise<void>((resolve) => ws.once('close', () => resolve()));
  for (const s of streams) s.destroy();
}

/** The session handler over the CRI services. */
export function sessionHandler(containers: CriContainerService, pods: PodService): SessionHandler {
  return async (req, ws, protocol, url) => {
    const inbox = new Inbox(ws);
    if (req.kind === 'exec') return execSession(containers, req, ws, inbox, protocol);
    if (req.kind === 'attach') return attachSession(containers, req, ws, inbox, protocol);
    return portForwardSession(pods, req, ws, inbox, url);
  };
}
