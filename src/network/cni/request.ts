// Turning a network configuration list into what one plugin reads on stdin (SPEC.md section 3,
// "Deriving request configuration from plugin configuration"), choosing the protocol version (section 1,
// "Version considerations") and formatting CNI_ARGS (section 2, "Parameters"). Pure: unit-tested.
import { BerthError } from '../../base/errors.js';
import type { CniResult, NetworkConfList, PluginConf } from './types.js';

/** The spec versions this runtime speaks, oldest first (0.1.0/0.2.0 results lack interfaces; not used). */
export const RUNTIME_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

// CNI SPEC.md section 2: CNI_CONTAINERID starts alphanumeric, then alphanumerics, "_", "." or "-".
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PLUGIN_TYPE = /^[^/\\\0]+$/;
const ARG_PART = /^[a-zA-Z0-9_.\-/:]+$/;

/** Compares two semantic versions `a.b.c` (numeric parts only). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The version to run a list with: the highest of `cniVersion` and `cniVersions` that this runtime speaks
 * and, when known, every plugin supports (the spec lets a runtime consider VERSION results).
 */
export function selectVersion(
  list: NetworkConfList,
  pluginVersions: readonly (readonly string[])[] = [],
): string {
  const offered = [list.cniVersion, ...(list.cniVersions ?? [])].filter(Boolean);
  const usable = offered
    .filter((v) => (RUNTIME_VERSIONS as readonly string[]).includes(v))
    .filter((v) => pluginVersions.every((supported) => supported.includes(v)))
    .sort(compareVersions);
  const chosen = usable[usable.length - 1];
  if (!chosen)
    throw new BerthError(
      'InvalidArgument',
      `network "${list.name}": no common CNI version (configuration offers ${offered.map((v) => `"${v}"`).join(', ')})`,
    );
  return chosen;
}

/** Checks a list's structure, naming the bad field (before any plugin runs). */
export function validateConfList(list: NetworkConfList): void {
  if (!list || typeof list !== 'object')
    throw new BerthError('InvalidArgument', 'cni network config: not an object');
  if (typeof list.name !== 'string' || !CONTAINER_ID.test(list.name))
    throw new BerthError('InvalidArgument', `cni network config: invalid name "${String(list.name)}"`);
  if (typeof list.cniVersion !== 'string' || list.cniVersion === '')
    throw new BerthError('InvalidArgument', `cni network "${list.name}": cniVersion must be set`);
  if (!Array.isArray(list.plugins) || list.plugins.length === 0)
    throw new BerthError('InvalidArgument', `cni network "${list.name}": plugins must be a non-empty list`);
  list.plugins.forEach((p, i) => {
    if (typeof p?.type !== 'string' || !PLUGIN_TYPE.test(p.type))
      throw new BerthError(
        'InvalidArgument',
        `cni network "${list.name}": plugins[${i}].type: invalid plugin type`,
      );
  });
}

/** Checks the attachment parameters (section 3, "Attachment Parameters"). */
export function validateAttachment(containerId: string, ifname: string): void {
  if (!CONTAINER_ID.test(containerId))
    throw new BerthError(
      'InvalidArgument',
      `cni container id "${containerId}": must start with a letter or digit, then letters, digits, "_", "." or "-"`,
    );
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(ifname))
    throw new BerthError('InvalidArgument', `cni interface name "${ifname}": invalid`);
}

/**
 * The request configuration for one plugin: its own object with `cniVersion` and `name` inserted,
 * `capabilities` removed, `runtimeConfig` holding the capability arguments it declares, and `prevResult`
 * when given (never on the first ADD of a chain). Other fields pass through unchanged.
 */
export function requestConfig(
  list: NetworkConfList,
  plugin: PluginConf,
  opts: { cniVersion: string; capabilityArgs?: Record<string, unknown>; prevResult?: CniResult },
): Record<string, unknown> {
  const { capabilities, ...rest } = plugin;
  const out: Record<string, unknown> = { ...rest, cniVersion: opts.cniVersion, name: list.name };
  for (const key of Object.keys(out)) if (key.startsWith('cni.dev/')) delete out[key];
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(capabilities ?? {})) {
    const value = opts.capabilityArgs?.[cap];
    if (on === true && value !== undefined) runtimeConfig[cap] = value;
  }
  if (Object.keys(runtimeConfig).length) out.runtimeConfig = runtimeConfig;
  else delete out.runtimeConfig;
  if (opts.prevResult) out.prevResult = opts.prevResult;
  else delete out.prevResult;
  return out;
}

/** CNI_ARGS text: `K=V;K2=V2` (alphanumeric pairs, section 2); bad characters are refused. */
export function formatCniArgs(args: readonly [string, string][] = []): string {
  return args
    .map(([k, v]) => {
      if (!ARG_PART.test(k) || !ARG_PART.test(v))
        throw new BerthError(
          'InvalidArgument',
          `cni args "${k}=${v}": only letters, digits and "_.-/:" are allowed`,
        );
      return `${k}=${v}`;
    })
    .join(';');
}
