// The client side of moby's hijacked connections: POST with `Connection: Upgrade` and `Upgrade: tcp`, and
// on "101 UPGRADED" the socket carries the raw (or multiplexed, without a TTY) stream both ways.
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client } from './client.js';
import { DaemonError, messageOfBody } from './client.js';

/** Opens `method path` and returns the upgraded socket; a refusal becomes a DaemonError. */
export function hijack(client: Client, method: string, path: string, body?: unknown): Promise<Duplex> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request({
      ...client.target,
      // Its own connection: an upgraded one never goes back to a keep-alive pool.
      agent: false,
      method,
      path,
      headers: {
        Host: 'berth',
        Connection: 'Upgrade',
        Upgrade: 'tcp',
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
      },
    });
    req.on('upgrade', (_res, socket, head) => {
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(new DaemonError(res.statusCode ?? 0, messageOfBody(Buffer.concat(chunks)))));
    });
    req.on('error', (err) => reject(client.unreachable(err)));
    req.end(payload);
  });
}
