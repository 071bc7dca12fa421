// Platform selection in indexes, as containerd's platforms package does it: os and architecture must
// match, variants are normalised (arm64 means arm64/v8; amd64/v1 means amd64; arm defaults to v7) and a
// host variant also accepts older ones of its family (arm/v7 runs v6 and v5 images, amd64/v3 runs v2 and
// v1), preferring the closest. The host platform comes from Node's process.arch.
import { arch } from 'node:process';
import { BerthError } from '../../base/errors.js';
import type { Descriptor, Platform } from './types.js';

/** GOARCH names for Node's process.arch values. */
const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/** The platform of this host (linux/amd64, linux/arm64/v8, ...). */
export function hostPlatform(): Platform {
  const architecture = GOARCH[arch] ?? arch;
  const p: Platform = { os: 'linux', architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  if (architecture === 'arm') p.variant = 'v7';
  return p;
}

/** Parses "os/arch[/variant]" (docker's --platform), naming the flag value in errors. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '' || !/^[a-z0-9._-]+$/.test(p)))
    throw new BerthError('InvalidArgument', `platform "${spec}": expected "os/arch" or "os/arch/variant"`);
  const [os = '', architecture = '', variant] = parts;
  return normalizePlatform({ os, architecture, ...(variant === undefined ? {} : { variant }) });
}

/** containerd's platforms.Normalize for the architectures images use. */
export function normalizePlatform(p: Platform): Platform {
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() ?? '';
  if (architecture === 'x86_64' || architecture === 'x86-64') architecture = 'amd64';
  if (architecture === 'aarch64') architecture = 'arm64';
  if (architecture === 'armhf') [architecture, variant] = ['arm', 'v7'];
  if (architecture === 'armel') [architecture, variant] = ['arm', 'v6'];
  if (architecture === 'arm64' && (variant === '8' || variant === '')) variant = 'v8';
  if (architecture === 'amd64' && variant === 'v1') variant = '';
  if (architecture === 'arm' && variant === '') variant = 'v7';
  if (architecture === 'arm' && /^[5-8]$/.test(variant)) variant = `v${variant}`;
  const out: Platform = { os: p.os.toLowerCase(), architecture };
  if (variant !== '') out.variant = variant;
  return out;
}

/** Variants a host variant can run, closest first (containerd's platforms.Only). */
function compatibleVariants(p: Platform): string[] {
  const v = p.variant ?? '';
  if (p.architecture === 'arm') return ['v8', 'v7', 'v6', 'v5'].slice(['v8', 'v7', 'v6', 'v5'].indexOf(v));
  if (p.architecture === 'amd64') {
    const levels = ['v4', 'v3', 'v2', ''];
    const i = levels.indexOf(v);
    return i === -1 ? [v] : levels.slice(i);
  }
  return [v];
}

/** The index entry to pull for `want`, or an error listing what the index offers. */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform, what: string): Descriptor {
  const w = normalizePlatform(want);
  const order = compatibleVariants(w);
  let best: { d: Descriptor; rank: number } | undefined;
  for (const d of manifests) {
    if (d.platform === undefined) continue;
    const p = normalizePlatform(d.platform);
    if (p.os !== w.os || p.architecture !== w.architecture) continue;
    const rank = order.indexOf(p.variant ?? '');
    if (rank === -1) continue;
    if (best === undefined || rank < best.rank) best = { d, rank };
  }
  if (best !== undefined) return best.d;
  const offered = manifests
    .filter((d) => d.platform !== undefined)
    .map((d) => formatPlatform(normalizePlatform(d.platform as Platform)));
  throw new BerthError(
    'NotFound',
    `${what}: no manifest for platform "${formatPlatform(w)}" (index has ${offered.length === 0 ? 'none with a platform' : offered.map((o) => `"${o}"`).join(', ')})`,
  );
}

/** "os/arch[/variant]". */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}
