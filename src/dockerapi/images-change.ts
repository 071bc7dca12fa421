// Image routes that change names: POST /images/{name}/tag (ImageTag: 201), DELETE /images/{name}
// (ImageDelete: a list of {"Untagged"} / {"Deleted"}, 409 with dockerd's conflict messages), and
// POST /images/prune (ImagePrune).
import { BerthError } from '../base/errors.js';
import type { ImageService } from '../images/service/index.js';
import type { Router } from './router.js';

/** Adds the tag, delete and prune routes. */
export function registerImageChanges(router: Router, images: ImageService): void {
  router.add('POST', '/images/{name*}/tag', async (ctx) => {
    const repo = ctx.query.get('repo') ?? '';
    const tag = ctx.query.get('tag') ?? '';
    if (repo === '') throw new BerthError('InvalidArgument', 'repository name (repo) must not be empty');
    if (tag !== '' && !/^[\w][\w.-]{0,127}$/.test(tag))
      throw new BerthError('InvalidArgument', `invalid tag format "${tag}"`);
    await images.tag(ctx.params.name!, tag === '' ? repo : `${repo}:${tag}`);
    ctx.status(201);
  });
  router.add('POST', '/images/prune', async (ctx) => {
    ctx.json(200, await images.prune(ctx.filters()));
  });
  router.add('DELETE', '/images/{name*}', async (ctx) => {
    ctx.json(200, await images.remove(ctx.params.name!, { force: ctx.bool('force') }));
  });
}
