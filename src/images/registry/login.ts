// `berth login` / the Engine API's POST /auth: checks credentials against a registry before they are
// stored, the way docker does: GET /v2/ (spec.md end-1), answering its challenge with the credentials.
// For Bearer registries that means a token request with no scope (docker-registry-auth-token.md: "the
// scope field may be empty"), which the token server refuses when the credentials are wrong.
import { BerthError, wrap } from '../../base/errors.js';
import type { RegistryClient } from './client.js';

/** Succeeds when the registry at `domain` accepts the client's credentials for it. */
export async function verifyLogin(client: RegistryClient, domain: string): Promise<void> {
  const [ep] = client.endpoints(domain, 'push');
  if (ep === undefined) throw new BerthError('Internal', `login "${domain}": no endpoint`);
  try {
    const res = await client.send(ep, '', [], { method: 'GET', path: '' });
    if (res.status === 200) {
      res.body.resume();
      return;
    }
    if (res.status === 401) {
      res.body.resume();
      throw new BerthError('PermissionDenied', 'unauthorized: incorrect username or password');
    }
    await client.fail(res, 'GET /v2/');
  } catch (err) {
    throw wrap(err, `login "${domain}"`);
  }
}
