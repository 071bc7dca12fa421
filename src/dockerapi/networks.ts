// Network routes (swagger "Network"): GET /networks, GET /networks/{id}, POST /networks/create,
// DELETE /networks/{id}, POST /networks/{id}/connect and /disconnect, POST /networks/prune. Statuses as
// dockerd's: 201 for create, 204 for delete, 200 with no body for connect and disconnect; errors through
// errors.ts (404 not found, 409 name taken or active endpoints, 403 predefined networks, 400 bad config).
import { BerthError } from '../base/errors.js';
import type { EndpointConfig, NetworkService } from '../daemon/services/networks/index.js';
import type { DockerNetworkCreate } from '../network/index.js';
import type { Router } from './router.js';

/** Adds the network routes. */
export function registerNetworks(router: Router, networks: NetworkService): void {
  router.add('GET', '/networks', (ctx) => ctx.json(200, networks.list(ctx.filters())));
  router.add('POST', '/networks/create', async (ctx) => {
    const body = await ctx.body<DockerNetworkCreate>();
    if (!body) throw new BerthError('InvalidArgument', 'network create: the request body is empty');
    ctx.json(201, await networks.create(body));
  });
  router.add('POST', '/networks/prune', async (ctx) => ctx.json(200, await networks.prune(ctx.filters())));
  router.add('GET', '/networks/{id}', (ctx) => {
    const scope = ctx.query.get('scope');
    // Every network here is local: a request for another scope finds nothing, as dockerd's does.
    if (scope && scope !== 'local') throw new BerthError('NotFound', `network ${ctx.params.id} not found`);
    ctx.json(200, networks.inspect(ctx.params.id!));
  });
  router.add('DELETE', '/networks/{id}', async (ctx) => {
    await networks.remove(ctx.params.id!);
    ctx.status(204);
  });
  router.add('POST', '/networks/{id}/connect', async (ctx) => {
    const body = await ctx.body<{ Container?: string; EndpointConfig?: EndpointConfig | null }>();
    if (!body?.Container) throw new BerthError('InvalidArgument', 'network connect: Container must be given');
    await networks.connect(ctx.params.id!, body.Container, body.EndpointConfig ?? {});
    ctx.status(200);
  });
  router.add('POST', '/networks/{id}/disconnect', async (ctx) => {
    const body = await ctx.body<{ Container?: string; Force?: boolean }>();
    if (!body?.Container)
      throw new BerthError('InvalidArgument', 'network disconnect: Container must be given');
    await networks.disconnect(ctx.params.id!, body.Container, body.Force === true);
    ctx.status(200);
  });
}
