// The Docker Engine API's HTTP server: reads the version prefix, finds the route, runs the handler, and
// turns what it throws into a status (errors.ts). Every response carries the headers moby's
// middlewares add (Api-Version, Docker-Experimental, Ostype, Server), which clients read to negotiate.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BerthError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { ApiContext, type Upgrade } from './context.js';
import { sendError, statusOf } from './errors.js';
import type { Router } from './router.js';
import { API_VERSION, versionOf } from './version.js';

/** What the server says about itself in headers. */
export interface ServerIdentity {
  /** Berth's version, for the Server header. */
  version: string;
  experimental: boolean;
}

/** An http.Server that serves `router` as the Docker Engine API. */
export function createApiServer(router: Router, identity: ServerIdentity, log: Logger): Server {
  const server = createServer((req, res) => void serve(router, identity, log, req, res));
  // Attach and exec start ask to upgrade the connection (Upgrade: tcp), then speak raw streams on it.
  // The request goes through the same routing; a response object on the socket serves the errors.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    // Not hijacked after all (an error, or a route that does not upgrade): nobody parses more requests
    // on this socket, so close it once the answer is out.
    res.setHeader('Connection', 'close');
    res.once('finish', () => socket.end());
    void serve(router, identity, log, req, res, { socket, head });
  });
  // Attach and exec streams are long-lived; the API never times requests out (dockerd does not).
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

async function serve(
  router: Router,
  identity: ServerIdentity,
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  upgrade?: Upgrade,
): Promise<void> {
  res.setHeader('Api-Version', API_VERSION);
  res.setHeader('Docker-Experimental', String(identity.experimental));
  res.setHeader('Ostype', 'linux');
  res.setHeader('Server', `Berth/${identity.version} (linux)`);
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://berth');
  try {
    const { version, path } = versionOf(url.pathname);
    const found = router.match(method, path);
    if (!('handler' in found)) {
      if (found.allowed.length === 0) throw new BerthError('NotFound', 'page not found');
      res.setHeader('Allow', found.allowed.join(', '));
      res.writeHead(405, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: `method ${method} is not allowed for "${path}"` }) + '\n');
      return;
    }
    await found.handler(new ApiContext(req, res, found.params, url, version, upgrade));
    log.debug('request', { method, path: url.pathname, status: res.statusCode });
  } catch (err) {
    const status = statusOf(err);
    if (status >= 500) log.error('handler failed', { method, path: url.pathname, error: String(err) });
    else log.debug('request refused', { method, path: url.pathname, status });
    sendError(res, err);
  }
}
