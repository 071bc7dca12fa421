// Version (api.proto VersionRequest): kubelet's first call. `version` is the CRI API's own version
// ("0.1.0", as containerd and CRI-O answer), runtime_api_version the proto package's ("v1").
import type { CriContext } from './context.js';

/** Version. */
export async function version(
  _req: { version: string },
  ctx: CriContext,
): Promise<{ version: string; runtime_name: string; runtime_version: string; runtime_api_version: string }> {
  return { version: '0.1.0', runtime_name: 'berth', runtime_version: ctx.version, runtime_api_version: 'v1' };
}
