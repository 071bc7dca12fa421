// `spec`: writes a starter config.json into the bundle, as `runc spec`.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BerthError } from '../../base/errors.js';
import { defaultSpec } from '../../oci/default-spec.js';
import type { RuntimeContext } from '../context.js';
import { expectArgs, parseArgs } from '../cli-args.js';

/** Runs `spec`. */
export async function spec(_ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, [
    { name: 'bundle', alias: 'b', type: 'string' },
    { name: 'rootless', type: 'bool' },
  ]);
  expectArgs('spec', args, 0);
  const bundle = resolve((flags.bundle as string | undefined) ?? '.');
  const path = join(bundle, 'config.json');
  if (existsSync(path)) throw new BerthError('AlreadyExists', `"${path}" already exists: remove it first`);
  const config = defaultSpec();
  if (flags.rootless) {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    config.linux!.namespaces!.push({ type: 'user' });
    config.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
    config.linux!.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
    config.linux!.resources = undefined;
    config.linux!.namespaces = config.linux!.namespaces!.filter((n) => n.type !== 'network');
    config.mounts = config.mounts!.filter((m) => m.type !== 'cgroup');
  }
  writeFileSync(path, JSON.stringify(config, null, '\t') + '\n', { mode: 0o666 });
  return 0;
}
