// Registry authentication as docker-registry-auth-token.md describes it: a 401 carries a challenge,
//   WWW-Authenticate: Bearer realm="https://auth/token",service="registry",scope="repository:x:pull"
//   WWW-Authenticate: Basic realm="registry"
// For Bearer the client GETs <realm>?service=<service>&scope=<scope>... (with Basic credentials when it
// has some; anonymous otherwise) and sends "Authorization: Bearer <token>"; with an OAuth2 refresh token
// (docker's identitytoken) it POSTs grant_type=refresh_token to the realm instead (docker's oauth.md).
// Tokens are cached per host and scope set until expires_in (default 60 s) runs out; a 401 on a cached
// token drops it and fetches a fresh one once. Once a host has challenged, later requests carry
// credentials up front, saving a round trip each.
import { BerthError } from '../../base/errors.js';
import type { Credential, CredentialStore } from './credentials.js';
import { isLoopback } from './hosts.js';
import type { Endpoint } from './hosts.js';
import { type RetryPolicy, readBody, sendWithRetries } from './http.js';

/** A parsed WWW-Authenticate challenge. */
export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate value (RFC 9110 §11.6.1: scheme, then auth-params with quoted strings). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (m === null) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? '';
  for (let p = re.exec(rest); p !== null && p[0] !== ''; p = re.exec(rest))
    params[(p[1] ?? '').toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  return { scheme, params };
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Remembers challenges and tokens, and produces Authorization headers. */
export class Authorizer {
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly credentials: CredentialStore,
    private readonly retry: RetryPolicy,
    private readonly userAgent: string,
  ) {}

  /** The Authorization header for a request to `ep` needing `scopes`, if the host has challenged before. */
  async header(ep: Endpoint, scopes: string[]): Promise<string | undefined> {
    const ch = this.challenges.get(ep.base.host);
    if (ch === undefined) return undefined;
    const cred = this.credentials.get(ep.host);
    if (ch.scheme === 'basic') {
      if (cred?.username === undefined || cred.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    }
    if (cred?.registryToken !== undefined) return `Bearer ${cred.registryToken}`;
    const key = `${ep.base.host}|${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.fetchToken(ep, ch, scopes, cred);
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  /**
   * Learns from a 401: records the challenge and forgets tokens for the scopes. Returns false when
   * another attempt cannot help (no challenge, or Basic without credentials).
   */
  challenged(ep: Endpoint, wwwAuthenticate: string | string[] | undefined, scopes: string[]): boolean {
    const values = Array.isArray(wwwAuthenticate)
      ? wwwAuthenticate
      : wwwAuthenticate === undefined
        ? []
        : [wwwAuthenticate];
    const parsed = values.map(parseChallenge).filter((c): c is Challenge => c !== undefined);
    const ch = parsed.find((c) => c.scheme === 'bearer') ?? parsed[0];
    if (ch === undefined) return false;
    this.challenges.set(ep.base.host, ch);
    this.tokens.delete(`${ep.base.host}|${[...scopes].sort().join(' ')}`);
    if (ch.scheme === 'basic') {
      const cred = this.credentials.get(ep.host);
      return cred?.username !== undefined && cred.password !== undefined;
    }
    return true;
  }

  private async fetchToken(
    ep: Endpoint,
    ch: Challenge,
    scopes: string[],
    cred: Credential | undefined,
  ): Promise<CachedToken> {
    const realm = ch.params.realm;
    if (realm === undefined)
      throw new BerthError('Unavailable', `registry "${ep.host}": bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new BerthError('Unavailable', `registry "${ep.host}": bearer realm "${realm}" is not a URL`);
    }
    const service = ch.params.service;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/json' };
    const tls = { insecure: ep.insecure || isLoopback(url.host), ca: ep.ca };
    let res;
    if (cred?.identityToken !== undefined) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: cred.identityToken,
        client_id: 'berth',
      });
      if (service !== undefined) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      headers['content-type'] = 'application/x-www-form-urlencoded';
      res = await sendWithRetries(
        { method: 'POST', url, headers, body: Buffer.from(form.toString()), ...tls },
        this.retry,
      );
    } else {
      if (service !== undefined) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (cred?.username !== undefined && cred.password !== undefined)
        headers.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
      res = await sendWithRetries({ method: 'GET', url, headers, ...tls }, this.retry);
    }
    const body = await readBody(res, 1 << 20);
    if (res.status === 401 || res.status === 403)
      throw new BerthError(
        'PermissionDenied',
        `registry "${ep.host}": token server "${realm}" refused the credentials (status ${res.status})`,
      );
    if (res.status !== 200)
      throw new BerthError(
        'Unavailable',
        `registry "${ep.host}": token server "${realm}" answered status ${res.status}`,
      );
    let json: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      json = JSON.parse(body.toString('utf8')) as typeof json;
    } catch {
      throw new BerthError('Unavailable', `registry "${ep.host}": token server "${realm}" sent invalid JSON`);
    }
    const token = json.token ?? json.access_token;
    if (typeof token !== 'string' || token === '')
      throw new BerthError('Unavailable', `registry "${ep.host}": token server "${realm}" sent no token`);
    const issued = json.issued_at === undefined ? Date.now() : Date.parse(json.issued_at) || Date.now();
    const ttl = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
    // Refresh a little early so that a token does not expire in flight.
    return { token, expiresAt: issued + ttl * 1000 - Math.min(10_000, (ttl * 1000) / 10) };
  }
}
