// The X-Registry-Auth header of pulls and pushes (swagger "Authentication"): base64url of a JSON AuthConfig
//   {"username": "u", "password": "p", "serveraddress": "reg:5000"}   or   {"identitytoken": "<token>"}
// docker sends "e30=" ({}) when it has nothing; padding may be present or not (moby's DecodeAuthConfig).
import type { IncomingMessage } from 'node:http';
import { BerthError } from '../base/errors.js';
import type { Credential } from '../images/registry/index.js';

/** The AuthConfig fields the daemon reads (POST /auth's body has the same shape). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The credential an AuthConfig holds, or undefined when it holds none. */
export function credentialOf(a: AuthConfig): Credential | undefined {
  let { username, password } = a;
  if ((username === undefined || username === '') && a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
  }
  if (a.identitytoken) return { identityToken: a.identitytoken, ...(username ? { username } : {}) };
  if (a.registrytoken) return { registryToken: a.registrytoken };
  if (username) return { username, password: password ?? '' };
  return undefined;
}

/** The request's X-Registry-Auth credential; a header that is not base64url JSON is a 400. */
export function registryAuth(req: IncomingMessage): Credential | undefined {
  const header = req.headers['x-registry-auth'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.trim(), 'base64url').toString('utf8'));
  } catch {
    throw new BerthError('InvalidArgument', 'invalid X-Registry-Auth header: not base64url-encoded JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BerthError('InvalidArgument', 'invalid X-Registry-Auth header: not a JSON object');
  return credentialOf(parsed as AuthConfig);
}
