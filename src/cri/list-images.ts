// ListImages and StreamImages: every image of k8s.io, or the one the filter's reference names.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';
import { criImage } from './images.js';

async function matching(
  filter: { image?: { image?: string } | null } | null,
  ctx: CriContext,
): Promise<unknown[]> {
  const ref = filter?.image?.image;
  if (ref) {
    try {
      return [await criImage(ctx.images, await ctx.images.resolve(ref))];
    } catch (err) {
      if (err instanceof BerthError && err.code === 'NotFound') return [];
      throw err;
    }
  }
  return Promise.all((await ctx.images.list()).map((i) => criImage(ctx.images, i)));
}

/** ListImages. */
export async function listImages(
  req: { filter: { image?: { image?: string } | null } | null },
  ctx: CriContext,
): Promise<{ images: unknown[] }> {
  return { images: await matching(req.filter, ctx) };
}

/** StreamImages: the same images in responses of at most 100. */
export async function streamImages(
  req: { filter: { image?: { image?: string } | null } | null },
  ctx: CriContext,
  call: ServerWritableStream<unknown, unknown>,
): Promise<void> {
  const all = await matching(req.filter, ctx);
  for (let i = 0; i < all.length; i += 100) call.write({ images: all.slice(i, i + 100) });
}
