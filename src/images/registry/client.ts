// The registry client's core: requests to /v2/<name>/... on an endpoint, with authentication, the insecure
// https→http fallback, retries, and registry errors translated into BerthErrors. Pull and push (pull.ts,
// push.ts) are built on `send`; `onEndpoints` walks mirrors then the registry.
import type { Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import { Authorizer } from './auth.js';
import { type CredentialStore, DockerConfigCredentials } from './credentials.js';
import { type Endpoint, type HostsConfig, endpointsFor } from './hosts.js';
import {
  DEFAULT_RETRY,
  type HttpResponse,
  type RetryPolicy,
  readBody,
  retriableStatus,
  sendWithRetries,
} from './http.js';

/** How the client is set up. */
export interface ClientOptions {
  hosts?: HostsConfig;
  /** Defaults to ~/.docker/config.json. */
  credentials?: CredentialStore;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
}

/** One request to a repository on an endpoint: a path below /v2/<name>/, or an absolute URL (upload locations). */
export interface RepoRequest {
  method: string;
  path?: string;
  url?: URL;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
}

/** The auth scope for actions on a repository (docker-registry-auth-scope.md). */
export function repoScope(repo: string, actions: string[]): string {
  return `repository:${repo}:${actions.join(',')}`;
}

/** The registry's error body ({"errors":[{"code","message","detail"}]}, spec.md "Error Codes") as text. */
function errorText(body: Buffer): string {
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const msgs = (json.errors ?? []).map((e) => e.message ?? e.code ?? '').filter((m) => m !== '');
    if (msgs.length > 0) return msgs.join('; ');
  } catch {
    // not JSON: fall through
  }
  return body.toString('utf8').trim().slice(0, 200);
}

/** A registry client; one per daemon or command, sharing tokens and connections. */
export class RegistryClient {
  readonly retry: RetryPolicy;
  readonly userAgent: string;
  private readonly hosts: HostsConfig;
  private readonly auth: Authorizer;
  /** Scheme that worked for an insecure endpoint host. */
  private readonly schemes = new Map<string, string>();

  constructor(opts: ClientOptions = {}) {
    this.hosts = opts.hosts ?? {};
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.userAgent = opts.userAgent ?? 'berth/0.1';
    this.auth = new Authorizer(opts.credentials ?? new DockerConfigCredentials(), this.retry, this.userAgent);
  }

  /** The endpoints for a registry domain, mirrors first for pulls. */
  endpoints(domain: string, purpose: 'pull' | 'push'): Endpoint[] {
    return endpointsFor(domain, this.hosts, purpose);
  }

  /** Runs `fn` on each endpoint in turn until one succeeds; a mirror's failure passes to the next. */
  async onEndpoints<T>(eps: Endpoint[], fn: (ep: Endpoint) => Promise<T>): Promise<T> {
    let lastErr: unknown;
    for (const ep of eps) {
      try {
        return await fn(ep);
      } catch (err) {
        lastErr = err;
        if (!ep.mirror) throw err;
      }
    }
    throw lastErr;
  }

  private url(ep: Endpoint, repo: string, req: RepoRequest): URL {
    let url: URL;
    if (req.url !== undefined) url = new URL(req.url);
    else {
      url = new URL(ep.base);
      url.pathname = `${ep.base.pathname.replace(/\/$/, '')}/v2/${repo === '' ? '' : `${repo}/`}${req.path ?? ''}`;
    }
    const scheme = this.schemes.get(url.host);
    if (scheme !== undefined && ep.insecure) url.protocol = scheme;
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    return url;
  }

  /** Sends `req` with auth for `scopes`; any status comes back (the caller judges), transport errors throw. */
  async send(
    ep: Endpoint,
    repo: string,
    scopes: string[],
    req: RepoRequest,
    onRetry?: (why: string) => void,
  ): Promise<HttpResponse> {
    let res: HttpResponse | undefined;
    for (let round = 0; round < 2; round++) {
      const authorization = await this.auth.header(ep, scopes);
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      if (authorization !== undefined) headers.authorization = authorization;
      const url = this.url(ep, repo, req);
      try {
        res = await this.sendOnEndpoint(ep, { ...req, url, headers }, onRetry);
      } catch (err) {
        if (err instanceof BerthError) throw err;
        // Transport failures (refused, reset, TLS) name the registry; the cause keeps the system error.
        throw new BerthError(
          'Unavailable',
          `registry "${ep.host}": ${req.method} ${url.href}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      if (res.status !== 401 || round === 1) return res;
      const retry = this.auth.challenged(ep, res.headers['www-authenticate'], scopes);
      if (!retry) return res;
      res.body.resume();
    }
    return res as HttpResponse;
  }

  /** Sends to an endpoint; an insecure one whose https fails is tried over http, and remembered. */
  private async sendOnEndpoint(
    ep: Endpoint,
    req: RepoRequest & { url: URL; headers: Record<string, string> },
    onRetry?: (why: string) => void,
  ): Promise<HttpResponse> {
    const http = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: req.body,
      insecure: ep.insecure,
      ca: ep.ca,
    };
    const retryNote = onRetry === undefined ? undefined : (why: string) => onRetry(why);
    if (!ep.insecure || req.url.protocol === 'http:' || this.schemes.has(req.url.host))
      return sendWithRetries(http, this.retry, retryNote);
    let res: HttpResponse;
    try {
      res = await sendWithRetries(http, { ...this.retry, attempts: 1 }, retryNote);
    } catch {
      // docker's rule for insecure registries: https first (unverified), then plain http.
      const url = new URL(req.url);
      url.protocol = 'http:';
      const plain = await sendWithRetries({ ...http, url }, this.retry, retryNote);
      this.schemes.set(req.url.host, 'http:');
      return plain;
    }
    this.schemes.set(req.url.host, 'https:');
    if (!retriableStatus(res.status)) return res;
    // https works; the probe only had one attempt, so a 5xx gets the usual retries.
    res.body.resume();
    return sendWithRetries(http, this.retry, retryNote);
  }

  /** Turns an unexpected response into an error naming `what`, with the registry's own message. */
  async fail(res: HttpResponse, what: string): Promise<never> {
    const body = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
    const text = errorText(body);
    const code =
      res.status === 404
        ? 'NotFound'
        : res.status === 401 || res.status === 403
          ? 'PermissionDenied'
          : res.status === 400 || res.status === 405 || res.status === 416
            ? 'InvalidArgument'
            : res.status === 409
              ? 'AlreadyExists'
              : 'Unavailable';
    // The registry's own words when it sent some (spec.md error codes), else the bare status.
    throw new BerthError(code, `${what}: ${text === '' ? `status ${res.status}` : text}`);
  }
}
