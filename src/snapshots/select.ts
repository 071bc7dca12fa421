// Picks the snapshotter for a Berth root: overlay where it works, else native (and says why).
import { join } from 'node:path';
import { NativeSnapshotter } from './native.js';
import { OverlaySnapshotter } from './overlay.js';
import { checkOverlaySupport } from './overlay-support.js';
import type { Snapshotter } from './types.js';

/** The snapshotter chosen for a root, its name, and why overlay was not chosen (if it was not). */
export interface OpenedSnapshotter {
  /** "overlay" or "native", the directory name under <root>/snapshots. */
  name: 'overlay' | 'native';
  /** The snapshotter. */
  snapshotter: Snapshotter;
  /** Why overlay is not used, when name is "native" and no choice was forced. */
  fallbackReason?: string;
}

/** Opens <root>/snapshots/<name>: `prefer` forces one; otherwise overlay if it works here, else native. */
export async function openSnapshotter(
  root: string,
  prefer?: 'overlay' | 'native',
): Promise<OpenedSnapshotter> {
  const dir = (name: string): string => join(root, 'snapshots', name);
  if (prefer === 'native') return { name: 'native', snapshotter: new NativeSnapshotter(dir('native')) };
  if (prefer === 'overlay')
    return { name: 'overlay', snapshotter: await OverlaySnapshotter.open(dir('overlay')) };
  const support = await checkOverlaySupport(dir('overlay'));
  if (support.supported) return { name: 'overlay', snapshotter: new OverlaySnapshotter(dir('overlay')) };
  return {
    name: 'native',
    snapshotter: new NativeSnapshotter(dir('native')),
    fallbackReason: support.reason,
  };
}
