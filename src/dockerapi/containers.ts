// Container routes of the Docker Engine API (swagger "Container" tag): create, list, inspect, the
// lifecycle verbs, rename, update, wait, top, resize and prune. The streaming ones (logs, attach,
// stats, export, archive) are in containers-streams.ts and archive.ts.
import type { ContainerCreateRequest, HostConfig, Resources } from '../../api/docker/container.js';
import { BerthError } from '../base/errors.js';
import type { ContainerService } from '../daemon/services/containers/index.js';
import type { ApiContext } from './context.js';
import type { Router } from './router.js';

/** A query parameter that is an integer when present, or undefined (`t` of stop and restart). */
function optionalInt(ctx: ApiContext, name: string): number | undefined {
  const v = ctx.query.get(name);
  return v === null || v === '' ? undefined : ctx.int(name, 0);
}

/** Adds the container routes. */
export function registerContainers(router: Router, service: ContainerService): void {
  router.add('POST', '/containers/create', async (ctx) => {
    const body = await ctx.body<ContainerCreateRequest>();
    if (!body)
      throw new BerthError('InvalidArgument', 'config cannot be empty in order to create a container');
    const name = ctx.query.get('name') ?? undefined;
    ctx.json(201, await service.create(body, name || undefined));
  });

  router.add('GET', '/containers/json', async (ctx) => {
    ctx.json(
      200,
      await service.list({
        all: ctx.bool('all'),
        limit: ctx.int('limit', -1),
        filters: ctx.filters(),
        size: ctx.bool('size'),
      }),
    );
  });

  router.add('GET', '/containers/{id}/json', async (ctx) =>
    ctx.json(200, await service.inspect(ctx.params.id!, { size: ctx.bool('size') })),
  );

  router.add('GET', '/containers/{id}/changes', async (ctx) =>
    ctx.json(200, await service.changes(ctx.params.id!)),
  );

  router.add('POST', '/containers/{id}/start', async (ctx) => {
    ctx.status((await service.start(ctx.params.id!)) ? 204 : 304);
  });

  router.add('POST', '/containers/{id}/stop', async (ctx) => {
    const stopped = await service.stop(
      ctx.params.id!,
      optionalInt(ctx, 't'),
      ctx.query.get('signal') ?? undefined,
    );
    ctx.status(stopped ? 204 : 304);
  });

  router.add('POST', '/containers/{id}/restart', async (ctx) => {
    await service.restart(ctx.params.id!, optionalInt(ctx, 't'), ctx.query.get('signal') ?? undefined);
    ctx.status(204);
  });

  router.add('POST', '/containers/{id}/kill', async (ctx) => {
    await service.kill(ctx.params.id!, ctx.query.get('signal') ?? undefined);
    ctx.status(204);
  });

  router.add('POST', '/containers/{id}/pause', async (ctx) => {
    await service.pause(ctx.params.id!);
    ctx.status(204);
  });

  router.add('POST', '/containers/{id}/unpause', async (ctx) => {
    await service.unpause(ctx.params.id!);
    ctx.status(204);
  });

  router.add('DELETE', '/containers/{id}', async (ctx) => {
    if (ctx.bool('link')) throw new BerthError('InvalidArgument', 'legacy links are not supported');
    await service.remove(ctx.params.id!, { force: ctx.bool('force'), volumes: ctx.bool('v') });
    ctx.status(204);
  });

  router.add('POST', '/containers/{id}/rename', async (ctx) => {
    const name = ctx.query.get('name') ?? '';
    if (!name) throw new BerthError('InvalidArgument', 'Neither old nor new names may be empty');
    await service.rename(ctx.params.id!, name);
    ctx.status(204);
  });

  router.add('POST', '/containers/{id}/update', async (ctx) => {
    const body = (await ctx.body<Resources & Pick<HostConfig, 'RestartPolicy'>>()) ?? {};
    ctx.json(200, await service.update(ctx.params.id!, body));
  });

  router.add('POST', '/containers/{id}/wait', async (ctx) => {
    const condition = ctx.query.get('condition') ?? '';
    const gone = new AbortController();
    const code = service.wait(ctx.params.id!, condition, gone.signal);
    // Headers go out at once (moby's postContainersWait): the client knows the wait is in place.
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.flushHeaders();
    const abort = new Promise<undefined>((r) =>
      ctx.res.once('close', () => {
        gone.abort();
        r(undefined);
      }),
    );
    const status = await Promise.race([code, abort]);
    if (status !== undefined) ctx.res.end(JSON.stringify({ StatusCode: status }) + '\n');
  });

  router.add('GET', '/containers/{id}/top', async (ctx) => {
    ctx.json(200, await service.top(ctx.params.id!, ctx.query.get('ps_args') ?? ''));
  });

  router.add('POST', '/containers/{id}/resize', async (ctx) => {
    await service.resize(ctx.params.id!, ctx.int('h', 0), ctx.int('w', 0));
    ctx.status(200);
  });

  router.add('POST', '/containers/prune', async (ctx) => {
    ctx.json(200, await service.prune(ctx.filters()));
  });
}
