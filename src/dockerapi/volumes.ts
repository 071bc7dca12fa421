// Volume routes (swagger "Volume"): GET /volumes, POST /volumes/create, GET and DELETE /volumes/{name},
// POST /volumes/prune. Statuses as dockerd's: 201 for create, 204 for delete; 404 "no such volume",
// 409 "volume is in use", 400 for bad names and options (errors.ts).
import type { VolumeCreateRequest, VolumeService } from '../daemon/services/volumes/index.js';
import type { Router } from './router.js';

/** Adds the volume routes. */
export function registerVolumes(router: Router, volumes: VolumeService): void {
  router.add('GET', '/volumes', (ctx) => ctx.json(200, volumes.list(ctx.filters())));
  router.add('POST', '/volumes/create', async (ctx) => {
    const body = (await ctx.body<VolumeCreateRequest>()) ?? {};
    ctx.json(201, volumes.create(body));
  });
  // API 1.42 made prune keep named volumes unless filters say all=true; older clients get them all.
  router.add('POST', '/volumes/prune', (ctx) =>
    ctx.json(200, volumes.prune(ctx.filters(), !ctx.atLeast(1, 42))),
  );
  router.add('GET', '/volumes/{name}', (ctx) => ctx.json(200, volumes.inspect(ctx.params.name!)));
  router.add('DELETE', '/volumes/{name}', (ctx) => {
    volumes.remove(ctx.params.name!, ctx.bool('force'));
    ctx.status(204);
  });
}
