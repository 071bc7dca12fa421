// Where `berth login` keeps credentials, and the X-Registry-Auth header the CLI sends with pulls and pushes.
//
// Credentials live in docker's own config file, $DOCKER_CONFIG/config.json or ~/.docker/config.json, in
// its "auths" section, so that a `docker login` serves berth and a `berth login` serves docker (and the
// tools that read that file: skopeo, buildah, the registry client's own DockerConfigCredentials):
//
//   { "auths": { "https://index.docker.io/v1/": { "auth": base64("user:password") },
//                "127.0.0.1:5000": { "auth": "..." } } }
//
// docker.io is stored under "https://index.docker.io/v1/", other registries under their host, as docker
// does. Other keys of the file are kept as they are; the file is written atomically with mode 0600.
// Credential helpers ("credsStore", "credHelpers") are programs berth does not run: a login refuses to
// store a password where docker would not look for it.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { atomicWriteFileSync } from '../base/atomic-write.js';
import { BerthError } from '../base/errors.js';
import { type Credential, DockerConfigCredentials, dockerConfigPath } from '../images/registry/index.js';

/** docker's key for Docker Hub in config.json (registry.IndexServer). */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** The config.json key for a registry host. */
export function configKey(host: string): string {
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io'
    ? DOCKER_HUB_KEY
    : host;
}

/** The registry host a login argument names ("reg:5000", "https://reg:5000/v2/"), docker.io by default. */
export function loginHost(server: string | undefined): string {
  if (server === undefined || server === '') return 'docker.io';
  const host = server.replace(/^https?:\/\//, '').split('/')[0] ?? server;
  return host === 'index.docker.io' ? 'docker.io' : host;
}

interface ConfigFile {
  auths?: Record<string, Record<string, unknown>>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

function readConfig(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new BerthError('PermissionDenied', `docker config "${path}": ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as ConfigFile;
  } catch (err) {
    throw new BerthError(
      'InvalidArgument',
      `docker config "${path}": invalid JSON: ${(err as Error).message}`,
    );
  }
}

/** Stores a username and password for `host`. */
export function storeCredential(
  host: string,
  username: string,
  password: string,
  path = dockerConfigPath(),
): void {
  const config = readConfig(path);
  const helper = config.credHelpers?.[host] ?? config.credsStore;
  if (helper !== undefined)
    throw new BerthError(
      'FailedPrecondition',
      `docker config "${path}" stores credentials with "docker-credential-${helper}", which berth does not run: remove "credsStore"/"credHelpers" there to let berth store them`,
    );
  config.auths = {
    ...config.auths,
    [configKey(host)]: { auth: Buffer.from(`${username}:${password}`).toString('base64') },
  };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  atomicWriteFileSync(path, JSON.stringify(config, null, '\t') + '\n', 0o600, true);
}

/** Removes the credentials of `host`; false when there were none. */
export function eraseCredential(host: string, path = dockerConfigPath()): boolean {
  const config = readConfig(path);
  const keys = Object.keys(config.auths ?? {}).filter(
    (k) => k === configKey(host) || loginHost(k) === loginHost(configKey(host)),
  );
  if (keys.length === 0) return false;
  for (const k of keys) delete config.auths![k];
  atomicWriteFileSync(path, JSON.stringify(config, null, '\t') + '\n', 0o600, true);
  return true;
}

/** The stored credential for `host`, if any. */
export function storedCredential(host: string, path = dockerConfigPath()): Credential | undefined {
  return new DockerConfigCredentials(path).get(host);
}

/** The X-Registry-Auth value for `host`: base64url JSON of the AuthConfig ("e30" for none, as docker). */
export function registryAuthHeader(host: string, credential?: Credential): string {
  const cred = credential ?? safeStored(host);
  const body: Record<string, string> = {};
  if (cred?.username !== undefined) body.username = cred.username;
  if (cred?.password !== undefined) body.password = cred.password;
  if (cred?.identityToken !== undefined) body.identitytoken = cred.identityToken;
  if (cred?.registryToken !== undefined) body.registrytoken = cred.registryToken;
  if (Object.keys(body).length > 0) body.serveraddress = configKey(host);
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** A stored credential; a config naming a helper berth cannot run means "none" (anonymous) here. */
function safeStored(host: string): Credential | undefined {
  try {
    return storedCredential(host);
  } catch (err) {
    if (err instanceof BerthError && err.code === 'FailedPrecondition') return undefined;
    throw err;
  }
}
