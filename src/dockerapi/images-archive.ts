// docker save and load: GET /images/{name}/get and GET /images/get?names=… (ImageGet, ImageGetAll: an
// application/x-tar archive, see images/service/save.ts) and POST /images/load (ImageLoad: the archive as
// the body; answers a JSON stream of {"stream":"Loaded image: busybox:latest\n"} lines, errors in it).
import { pipeline } from 'node:stream/promises';
import type { ImageService } from '../images/service/index.js';
import type { ApiContext } from './context.js';
import { type JsonMessage, errorMessage } from './json-progress.js';
import type { Router } from './router.js';

async function sendArchive(ctx: ApiContext, images: ImageService, names: string[]): Promise<void> {
  const archive = await images.save(names); // unknown names are the request's 404 before any byte
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await pipeline(archive, ctx.res);
  } catch {
    ctx.res.destroy(); // the status is out: a cut archive is how the client learns of the failure
  }
}

/** Adds the save and load routes. */
export function registerImageArchives(router: Router, images: ImageService): void {
  router.add('GET', '/images/get', (ctx) => sendArchive(ctx, images, ctx.query.getAll('names')));
  router.add('GET', '/images/{name*}/get', (ctx) => sendArchive(ctx, images, [ctx.params.name!]));
  router.add('POST', '/images/load', async (ctx) => {
    let send: ((m: JsonMessage) => void) | undefined;
    const stream = (): ((m: JsonMessage) => void) => (send ??= ctx.startJsonStream());
    try {
      await images.load(ctx.req as AsyncIterable<Buffer>, (line) => stream()({ stream: `${line}\n` }));
    } catch (err) {
      if (send === undefined) throw err;
      send(errorMessage(err));
    }
    ctx.res.end();
  });
}
