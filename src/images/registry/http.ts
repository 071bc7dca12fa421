// One HTTP exchange with a registry, plus the two policies around it: redirects (registries send blob
// GETs to object storage with 307; the Authorization header is dropped once the request leaves the
// registry's origin, as docker and containerd do, so the token never reaches the storage host) and
// retries with exponential backoff on 429/5xx and on dropped or refused connections.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../base/errors.js';

/** A request; `body` is a buffer or a factory, so that a retry can send it again. */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  /** Skip TLS verification (insecure registries). */
  insecure?: boolean;
  /** Extra CAs to trust. */
  ca?: Buffer | undefined;
}

/** A response whose body is still to be read. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered (after redirects). */
  url: URL;
  body: IncomingMessage;
}

/** How hard to try. */
export interface RetryPolicy {
  /** Attempts in all, including the first (default 5). */
  attempts: number;
  /** First backoff in ms, doubled each time (default 200). */
  baseDelayMs: number;
  /** Longest backoff (default 5000). */
  maxDelayMs: number;
  /** Socket idle timeout in ms (default 60000): a stalled connection counts as dropped. */
  idleTimeoutMs: number;
}

/** Defaults close to docker's (5 attempts, exponential backoff). */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  idleTimeoutMs: 60_000,
};

/** Statuses worth another try (RFC 9110: 429 Too Many Requests; 5xx server errors). */
export function retriableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

/** Network errors worth another try: the connection was refused, reset, dropped or stalled. */
export function retriableError(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause !== undefined && retriableError(cause)) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  return (
    [
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'ETIMEDOUT',
      'ECONNABORTED',
      'EAI_AGAIN',
      'ERR_STREAM_PREMATURE_CLOSE',
      'UND_ERR_SOCKET',
    ].includes(code) || /socket hang up|aborted|stalled/i.test((err as Error | undefined)?.message ?? '')
  );
}

/** Whether an error is TLS failing against a server that speaks plain http (insecure fallback). */
export function tlsError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return /SSL|TLS|wrong version number|EPROTO|certificate|self.signed/i.test(
    `${e.code ?? ''} ${e.message ?? ''}`,
  );
}

const agents = new Map<string, http.Agent>();

function agentFor(req: HttpRequest): http.Agent {
  const key = `${req.url.protocol}|${req.insecure ? 'i' : ''}|${req.ca?.toString('base64') ?? ''}`;
  let a = agents.get(key);
  if (a === undefined) {
    a =
      req.url.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            rejectUnauthorized: !req.insecure,
            ...(req.ca ? { ca: req.ca } : {}),
          })
        : new http.Agent({ keepAlive: true });
    agents.set(key, a);
  }
  return a;
}

/** Closes every pooled connection (tests and short-lived CLIs call this before exiting). */
export function closeConnections(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** One exchange, no redirects or retries. */
export function sendOnce(req: HttpRequest, idleTimeoutMs: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const mod = req.url.protocol === 'https:' ? https : http;
    const body = typeof req.body === 'function' ? req.body() : req.body;
    const headers = { ...req.headers };
    if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    const r = mod.request(req.url, { method: req.method, headers, agent: agentFor(req) }, (res) => {
      res.setTimeout(idleTimeoutMs, () =>
        res.destroy(Object.assign(new Error('connection stalled'), { code: 'ETIMEDOUT' })),
      );
      resolve({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res });
    });
    r.setTimeout(idleTimeoutMs, () =>
      r.destroy(Object.assign(new Error('connection stalled'), { code: 'ETIMEDOUT' })),
    );
    r.on('error', reject);
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else {
      body.on('error', (err) => r.destroy(err));
      body.pipe(r);
    }
  });
}

/** Sends `req`, following up to 10 redirects; Authorization is kept only within the original origin. */
export async function sendFollowing(req: HttpRequest, idleTimeoutMs: number): Promise<HttpResponse> {
  let current = req;
  for (let hop = 0; hop <= 10; hop++) {
    const res = await sendOnce(current, idleTimeoutMs);
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || location === undefined) return res;
    res.body.resume();
    const next = new URL(location, current.url);
    const headers = { ...current.headers };
    if (next.origin !== req.url.origin) delete headers.authorization;
    const method = res.status === 303 ? 'GET' : current.method;
    current = { ...current, method, url: next, headers, ...(method === 'GET' ? { body: undefined } : {}) };
  }
  throw new BerthError('Unavailable', `${req.method} "${req.url.href}": too many redirects`);
}

/** The backoff before attempt `attempt` (1-based retry count), honouring a Retry-After in seconds. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfter?: string): number {
  const after = retryAfter === undefined ? NaN : Number(retryAfter) * 1000;
  if (Number.isFinite(after) && after >= 0) return Math.min(after, policy.maxDelayMs);
  const base = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return base / 2 + Math.random() * (base / 2);
}

/** Sends with redirects and retries; `onRetry` hears why. The last retriable status is returned, not thrown. */
export async function sendWithRetries(
  req: HttpRequest,
  policy: RetryPolicy,
  onRetry?: (why: string, attempt: number) => void,
): Promise<HttpResponse> {
  for (let attempt = 1; ; attempt++) {
    let res: HttpResponse | undefined;
    try {
      res = await sendFollowing(req, policy.idleTimeoutMs);
    } catch (err) {
      if (attempt >= policy.attempts || !retriableError(err)) throw err;
      onRetry?.((err as Error).message, attempt);
      await sleep(backoffMs(policy, attempt));
      continue;
    }
    if (!retriableStatus(res.status) || attempt >= policy.attempts) return res;
    res.body.resume();
    onRetry?.(`status ${res.status}`, attempt);
    const ra = res.headers['retry-after'];
    await sleep(backoffMs(policy, attempt, Array.isArray(ra) ? ra[0] : ra));
  }
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readBody(res: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw new BerthError(
        'InvalidArgument',
        `response from "${res.url.href}" is larger than ${limit} bytes`,
      );
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
