// Registry credentials: from an explicit credential (`berth login`, CRI's AuthConfig) or from docker's
// ~/.docker/config.json ($DOCKER_CONFIG/config.json), whose format is:
//
//   { "auths": { "https://index.docker.io/v1/": { "auth": base64("user:password") },
//                "reg:5000": { "username": "u", "password": "p" },
//                "other": { "identitytoken": "<oauth2 refresh token>" } },
//     "credsStore": "desktop",  "credHelpers": { "gcr.io": "gcloud" } }
//
// Keys are matched by host name as docker's ConvertToHostname does (scheme and path dropped); docker.io is
// also found under index.docker.io and registry-1.docker.io. Credential helpers are external programs that
// Berth does not run: a host that needs one gets a clear error instead of an anonymous pull.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../base/errors.js';

/** A credential for one registry. */
export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker's identitytoken). */
  identityToken?: string;
  /** A bearer token to send as is (docker's registrytoken). */
  registryToken?: string;
}

/** Looks up credentials by registry host ("docker.io", "localhost:5000"). */
export interface CredentialStore {
  get(host: string): Credential | undefined;
}

/** Host names a host's credentials may be stored under. */
function aliases(host: string): string[] {
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io')
    return ['index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [host];
}

/** docker's ConvertToHostname: "https://reg:5000/v1/" → "reg:5000". */
export function keyToHost(key: string): string {
  const noScheme = key.replace(/^https?:\/\//, '');
  return noScheme.split('/')[0] ?? noScheme;
}

/** Fixed credentials by host: `berth login`, the CRI's per-request AuthConfig. */
export class StaticCredentials implements CredentialStore {
  private readonly byHost = new Map<string, Credential>();

  constructor(entries: Record<string, Credential> = {}) {
    for (const [k, v] of Object.entries(entries)) this.set(k, v);
  }

  /** Stores a credential for `host` (a host name or a docker-style key). */
  set(host: string, cred: Credential): void {
    for (const a of aliases(keyToHost(host))) this.byHost.set(a, cred);
  }

  get(host: string): Credential | undefined {
    return (
      this.byHost.get(host) ??
      aliases(host)
        .map((a) => this.byHost.get(a))
        .find((c) => c !== undefined)
    );
  }
}

interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Where docker keeps its config: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** Credentials read from a docker config.json; a missing file holds none. */
export class DockerConfigCredentials implements CredentialStore {
  private readonly config: DockerConfigFile;

  constructor(readonly path: string = dockerConfigPath()) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.config = {};
        return;
      }
      throw new BerthError('PermissionDenied', `docker config "${path}": ${(err as Error).message}`);
    }
    try {
      this.config = JSON.parse(text) as DockerConfigFile;
    } catch (err) {
      throw new BerthError(
        'InvalidArgument',
        `docker config "${path}": invalid JSON: ${(err as Error).message}`,
      );
    }
  }

  get(host: string): Credential | undefined {
    const names = aliases(host);
    for (const [key, entry] of Object.entries(this.config.auths ?? {})) {
      if (!names.includes(keyToHost(key))) continue;
      const cred = this.decode(key, entry);
      if (cred !== undefined) return cred;
    }
    const helper =
      names.map((n) => this.config.credHelpers?.[n]).find((h) => h !== undefined) ?? this.config.credsStore;
    if (helper !== undefined)
      throw new BerthError(
        'FailedPrecondition',
        `credentials for "${host}": docker config "${this.path}" names credential helper "docker-credential-${helper}", which berth does not run; use "berth login" or an "auths" entry`,
      );
    return undefined;
  }

  private decode(key: string, e: NonNullable<DockerConfigFile['auths']>[string]): Credential | undefined {
    if (e.identitytoken)
      return { identityToken: e.identitytoken, ...(e.username ? { username: e.username } : {}) };
    if (e.registrytoken) return { registryToken: e.registrytoken };
    if (e.auth) {
      const plain = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = plain.indexOf(':');
      if (colon === -1)
        throw new BerthError(
          'InvalidArgument',
          `docker config "${this.path}": auths."${key}".auth is not base64 of "user:password"`,
        );
      return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
    }
    if (e.username !== undefined && e.password !== undefined)
      return { username: e.username, password: e.password };
    return undefined;
  }
}

/** Tries stores in order (e.g. an explicit credential, then the docker config). */
export function chainCredentials(...stores: CredentialStore[]): CredentialStore {
  return {
    get(host) {
      for (const s of stores) {
        const c = s.get(host);
        if (c !== undefined) return c;
      }
      return undefined;
    },
  };
}
