// PullImage: the reference pulled into k8s.io through the configured hosts (mirrors first), with the
// request's AuthConfig; image_ref is the image ID, which CreateContainer may then name.
import type { CriContext } from './context.js';
import { credentialOf, imageRefOf, type CriAuth } from './images.js';

/** PullImage. */
export async function pullImage(
  req: { image: { image: string } | null; auth: CriAuth | null },
  ctx: CriContext,
): Promise<{ image_ref: string }> {
  const ref = imageRefOf(req.image);
  const credential = credentialOf(req.auth);
  const outcome = await ctx.images.pull(ref, credential ? { credential } : {});
  ctx.log.info('cri image pulled', { ref, id: outcome.id, upToDate: outcome.upToDate });
  return { image_ref: outcome.id };
}
