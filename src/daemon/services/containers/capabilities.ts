// The capabilities of a docker container: Docker's default set (moby's caps.DefaultCapabilities), with
// --cap-add and --cap-drop applied as moby's caps.TweakCapabilities does, or all of them when privileged.
import { BerthError } from '../../../base/errors.js';
import { CAPABILITIES, DOCKER_DEFAULT_CAPS } from '../../../oci/linux.js';

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` all name CAP_NET_ADMIN; ALL stays ALL. */
function normalise(name: string): string {
  const upper = name.toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!(CAPABILITIES as readonly string[]).includes(full))
    throw new BerthError('InvalidArgument', `unknown capability: "${name}"`);
  return full;
}

/**
 * The capability list for `add`/`drop` (moby's TweakCapabilities): add ALL gives everything but what is
 * dropped; drop ALL gives only what is added; otherwise the defaults minus `drop`, then `add` (so a
 * capability both added and dropped is added, as with docker).
 */
export function containerCapabilities(
  add: readonly string[] = [],
  drop: readonly string[] = [],
  privileged = false,
): string[] {
  const all = [...CAPABILITIES];
  if (privileged) return all;
  const adds = add.map(normalise);
  const drops = drop.map(normalise);
  if (adds.includes('ALL')) return all.filter((c) => !drops.includes(c));
  if (drops.includes('ALL')) return [...new Set(adds)];
  const caps = DOCKER_DEFAULT_CAPS.filter((c) => !drops.includes(c));
  for (const c of adds) if (!caps.includes(c)) caps.push(c);
  return caps;
}
