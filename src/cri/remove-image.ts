// RemoveImage: every name of the image the reference resolves to goes (kubelet's garbage collection
// removes by ID); an image that is not there is no error (api.proto: idempotent). An image a CRI container
// still uses stays referenced by its snapshot: the image service refuses, and that refusal is the answer.
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';
import { imageRefOf } from './images.js';

/** RemoveImage. */
export async function removeImage(
  req: { image: { image: string } | null },
  ctx: CriContext,
): Promise<object> {
  const ref = imageRefOf(req.image);
  try {
    const image = await ctx.images.resolve(ref);
    await ctx.containers.refuseImageInUse(image.id);
    // By ID with force: every tag and digest name of it goes at once, as CRI removes images.
    await ctx.images.remove(image.id, { force: true });
  } catch (err) {
    if (err instanceof BerthError && err.code === 'NotFound') return {};
    throw err;
  }
  return {};
}
