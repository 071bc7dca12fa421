// POST /images/{name}/push (ImagePush), streamed as dockerd streams it:
//   {"status":"The push refers to repository [127.0.0.1:5000/app]"}
//   per layer (short diff ID): Preparing | Pushing (progress) | Pushed | Layer already exists | Mounted from …
//   {"status":"latest: digest: sha256:... size: 528"}  {"aux":{"Tag":"latest","Digest":"sha256:...","Size":528}}
// And POST /auth (SystemAuth): the credentials are checked against the registry, 200 "Login Succeeded" or
// 401 with the registry's reason. And GET /distribution/{name}/json (DistributionInspect): the registry's
// descriptor and platforms for a reference, with the request's X-Registry-Auth.
import { BerthError, messageOf } from '../base/errors.js';
import { type ImageService, type PushEvent, shortId } from '../images/service/index.js';
import type { ApiContext } from './context.js';
import { type JsonMessage, errorMessage, progressOf, statusOf } from './json-progress.js';
import { type AuthConfig, credentialOf, registryAuth } from './registry-auth.js';
import type { Router } from './router.js';

const LAYER_STATUS = {
  preparing: 'Preparing',
  pushing: 'Pushing',
  pushed: 'Pushed',
  exists: 'Layer already exists',
  mounted: 'Mounted from another repository',
};

/** The JSON messages of a push event. */
export function pushMessages(e: PushEvent): JsonMessage[] {
  if (e.kind === 'start') return [{ status: `The push refers to repository [${e.repository}]` }];
  if (e.kind === 'pushed')
    return [
      { status: `${e.tag}: digest: ${e.digest} size: ${e.size}` },
      { progressDetail: {}, aux: { Tag: e.tag, Digest: e.digest, Size: e.size } },
    ];
  const id = shortId(e.diffId);
  if (e.state === 'pushing' && e.current !== undefined && e.total !== undefined)
    return [progressOf(id, 'Pushing', e.current, e.total)];
  return [statusOf(id, LAYER_STATUS[e.state])];
}

/** The registry host a POST /auth body names: docker.io for Docker Hub's keys. */
function authHost(serveraddress: string | undefined): string {
  if (!serveraddress) return 'docker.io';
  const host = serveraddress.replace(/^https?:\/\//, '').split('/')[0] ?? '';
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** Adds the push, auth and distribution routes (those that talk to a registry for the client). */
export function registerImagePush(router: Router, images: ImageService): void {
  router.add('POST', '/images/{name*}/push', async (ctx: ApiContext) => {
    const credential = registryAuth(ctx.req);
    ctx.req.resume();
    let send: ((m: JsonMessage) => void) | undefined;
    const stream = (): ((m: JsonMessage) => void) => (send ??= ctx.startJsonStream());
    try {
      await images.push(ctx.params.name!, ctx.query.get('tag') ?? '', {
        ...(credential ? { credential } : {}),
        onEvent: (e) => {
          for (const m of pushMessages(e)) stream()(m);
        },
      });
    } catch (err) {
      if (send === undefined) throw err;
      send(errorMessage(err));
    }
    ctx.res.end();
  });
  router.add('POST', '/auth', async (ctx) => {
    const body = (await ctx.body<AuthConfig>()) ?? {};
    try {
      await images.login(authHost(body.serveraddress), credentialOf(body));
    } catch (err) {
      if (err instanceof BerthError && err.code === 'PermissionDenied')
        return ctx.json(401, { message: messageOf(err) });
      throw err;
    }
    ctx.json(200, { Status: 'Login Succeeded', IdentityToken: '' });
  });
  router.add('GET', '/distribution/{name*}/json', async (ctx) => {
    const credential = registryAuth(ctx.req);
    ctx.json(200, await images.inspectRemote(ctx.params.name!, credential));
  });
}
