// docker cp's routes (swagger ContainerArchive, ContainerArchiveInfo, PutContainerArchive) and
// docker export (ContainerExport): tars both ways, and the path's stat in X-Docker-Container-Path-Stat.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { BerthError } from '../base/errors.js';
import type { ContainerService } from '../daemon/services/containers/index.js';
import type { Router } from './router.js';

/** Adds the archive and export routes. */
export function registerArchive(router: Router, service: ContainerService): void {
  const path = (q: URLSearchParams): string => {
    const p = q.get('path');
    if (!p) throw new BerthError('InvalidArgument', 'Path cannot be empty');
    return p;
  };

  router.add('HEAD', '/containers/{id}/archive', (ctx) => {
    const stat = service.archiveStat(ctx.params.id!, path(ctx.query));
    ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': stat, 'Content-Type': 'application/x-tar' });
    ctx.res.end();
  });

  router.add('GET', '/containers/{id}/archive', async (ctx) => {
    const { stat, tar } = service.archive(ctx.params.id!, path(ctx.query));
    ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': stat, 'Content-Type': 'application/x-tar' });
    await pipe(tar, ctx.res);
  });

  router.add('PUT', '/containers/{id}/archive', async (ctx) => {
    await service.extract(ctx.params.id!, path(ctx.query), ctx.req);
    ctx.status(200);
  });

  router.add('GET', '/containers/{id}/export', async (ctx) => {
    const tar = service.export(ctx.params.id!);
    ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    await pipe(tar, ctx.res);
  });
}

/** Streams a tar into the response; an error half-way cuts the connection (the client sees a short tar). */
async function pipe(tar: Readable, res: ServerResponse): Promise<void> {
  res.once('close', () => {
    if (!res.writableFinished) tar.destroy();
  });
  try {
    for await (const chunk of tar) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    tar.destroy();
  }
}
