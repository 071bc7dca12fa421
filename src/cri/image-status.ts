// ImageStatus: an absent image is no error but an empty `image` (api.proto: "If the image is not
// present, returns a response with ImageStatusResponse.Image set to nil"), which is how kubelet asks
// whether it must pull.
import { BerthError } from '../base/errors.js';
import type { CriContext } from './context.js';
import { criImage } from './images.js';
import { imageRefOf } from './images.js';

/** ImageStatus. */
export async function imageStatus(
  req: { image: { image: string } | null; verbose: boolean },
  ctx: CriContext,
): Promise<{ image: unknown; info: Record<string, string> }> {
  const ref = imageRefOf(req.image);
  try {
    const image = await ctx.images.resolve(ref);
    const info: Record<string, string> = req.verbose
      ? { info: JSON.stringify({ chainIds: image.chainIds, config: image.config.config ?? {} }) }
      : {};
    return { image: await criImage(ctx.images, image), info };
  } catch (err) {
    if (err instanceof BerthError && err.code === 'NotFound') return { image: null, info: {} };
    throw err;
  }
}
