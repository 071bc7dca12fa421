// POST /containers/create: a record, a snapshot mounted as the rootfs, and a bundle whose config.json
// is the container's OCI spec (spec.ts), made the way dockerd's create makes them; nothing is left
// behind when any step fails.
import { rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerCreateRequest, HostConfig } from '../../../../api/docker/container.js';
import { checkRestartPolicy } from './restart-policy.js';
import { BerthError, wrap } from '../../../base/errors.js';
import type { Container } from '../../../metadata/index.js';
import { BUILTIN_RUNTIME } from '../../config.js';
import type { ShimRuntime } from '../../shim-client/index.js';
import type { ServiceContext } from './context.js';
import { containerSecurity } from './security.js';
import { mergeImageConfig } from './spec.js';
import { checkName, newContainerId, randomName } from './names.js';
import { writeBundle, releaseRootfs, mountRootfs } from './bundle.js';
import { DATA_KEY, type ContainerData } from './types.js';
import { planContainerNetwork } from './networking.js';

/** What create answers (swagger ContainerCreateResponse). */
export interface CreateResult {
  Id: string;
  Warnings: string[];
}

/** The runtime a container runs with: the built-in path, or a named OCI runtime of the config. */
export function shimRuntimeOf(ctx: ServiceContext, name: string): ShimRuntime {
  if (name === BUILTIN_RUNTIME) return { kind: 'builtin' };
  const rt = ctx.config.runtimes[name];
  if (!rt) throw new BerthError('InvalidArgument', `unknown or invalid runtime name: ${name}`);
  return {
    kind: 'oci',
    path: rt.path,
    root: join(ctx.config.state, 'runtime', name),
    ...(rt.runtimeArgs?.length ? { args: rt.runtimeArgs } : {}),
  };
}

/** dockerd's checks of a HostConfig that need no host (daemon/container.go verifyPlatformContainerSettings). */
function checkHostConfig(host: HostConfig): string[] {
  const warnings: string[] = [];
  checkRestartPolicy(host.RestartPolicy);
  const policy = host.RestartPolicy?.Name ?? '';
  if (host.AutoRemove && policy !== '' && policy !== 'no')
    throw new BerthError('InvalidArgument', "can't create 'AutoRemove' container with restart policy");
  const logType = host.LogConfig?.Type ?? '';
  if (!['', 'json-file', 'local', 'none'].includes(logType))
    throw new BerthError(
      'InvalidArgument',
      `failed to create container: logging driver "${logType}" is not supported by berthd (json-file, local, none)`,
    );
  return warnings;
}

/** A free name: the asked-for one (409 if taken) or a random one. */
function chooseName(ctx: ServiceContext, asked: string | undefined): string | undefined {
  if (asked) return checkName(asked);
  return undefined;
}

/** Creates a container from a create request; `name` is the ?name= query parameter. */
export async function createContainer(
  ctx: ServiceContext,
  req: ContainerCreateRequest,
  askedName: string | undefined,
): Promise<CreateResult> {
  if (!req || typeof req !== 'object')
    throw new BerthError('InvalidArgument', 'config cannot be empty in order to create a container');
  const host: HostConfig = req.HostConfig ?? {};
  const { HostConfig: _h, NetworkingConfig: _n, ...userConfig } = req;
  const network = planContainerNetwork(ctx, req);
  if (!userConfig.Image) throw new BerthError('InvalidArgument', 'no image specified');
  const warnings = [...checkHostConfig(host), ...network.warnings];
  const runtimeName = host.Runtime || ctx.config.defaultRuntime;
  const shimRuntime = shimRuntimeOf(ctx, runtimeName);
  const image = await ctx.images.resolve(userConfig.Image);
  const config = mergeImageConfig(userConfig, image.config);
  const args = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (args.length === 0) throw new BerthError('InvalidArgument', 'no command specified');
  const security = containerSecurity(host);

  const record = insertRecord(ctx, askedName, {
    image: userConfig.Image,
    imageDigest: image.targetDigest,
    runtime: { name: runtimeName, options: {} },
    config: config as Record<string, unknown>,
    hostConfig: host as Record<string, unknown>,
    labels: config.Labels ?? {},
  });
  const id = record.id;
  const bundle = join(ctx.config.root, 'containers', id);
  const rootfs = join(bundle, 'rootfs');
  let mounted = false;
  let snapshot = false;
  const made: string[] = [];
  try {
    await mkdir(bundle, { recursive: true, mode: 0o711 });
    const sn = ctx.stores.snapshotter('moby', ctx.snapshotter);
    const mounts = await sn.prepare(id, image.topChainId, { labels: { 'berth.container': id } });
    snapshot = true;
    await mountRootfs(mounts, rootfs);
    mounted = true;
    const logPath = host.LogConfig?.Type === 'none' ? undefined : join(bundle, `${id}-json.log`);
    const written = await writeBundle(ctx, {
      id,
      bundle,
      rootfs,
      config,
      host,
      security,
      volumesMade: made,
      network: network.plan,
    });
    const data: ContainerData = {
      imageId: image.id,
      shimKey: shimKeyOf(ctx, id),
      bundle,
      rootfs,
      shimRuntime,
      path: written.spec.process!.args![0]!,
      args: written.spec.process!.args!.slice(1),
      mounts: written.mounts,
      manuallyStopped: false,
      network: network.plan,
      ...(config.Healthcheck && config.Healthcheck.Test?.[0] !== 'NONE' && config.Healthcheck.Test?.length
        ? { healthcheck: config.Healthcheck }
        : {}),
    };
    if (logPath) await writeFile(logPath, '', { mode: 0o640, flag: 'a' });
    const done = ctx.records.update(id, {
      spec: written.spec,
      snapshotter: ctx.snapshotter,
      snapshotKey: id,
      ...(logPath ? { logPath } : {}),
      extensions: { [DATA_KEY]: data },
    });
    ctx.emit(done, 'create');
    return { Id: id, Warnings: [...warnings, ...written.warnings] };
  } catch (err) {
    if (mounted) await releaseRootfs(rootfs);
    if (snapshot)
      await ctx.stores
        .snapshotter('moby', ctx.snapshotter)
        .remove(id)
        .catch(() => undefined);
    ctx.volumes.release(id, false);
    for (const v of made) ctx.volumes.discard(v);
    rmSync(bundle, { recursive: true, force: true });
    ctx.records.delete(id);
    throw wrap(err, 'create container');
  }
}

/** Inserts the record (name and id unique by the database's own constraints), marked as being made. */
function insertRecord(
  ctx: ServiceContext,
  askedName: string | undefined,
  fields: Pick<Container, 'image' | 'imageDigest' | 'runtime' | 'config' | 'hostConfig' | 'labels'>,
): Container {
  const asked = chooseName(ctx, askedName);
  for (let attempt = 0; ; attempt++) {
    const id = newContainerId();
    const name = asked ?? randomName(attempt > 2 ? attempt : 0);
    try {
      return ctx.records.create({
        id,
        name,
        ...fields,
        state: 'created',
        extensions: { [DATA_KEY]: { creating: true, shimKey: shimKeyOf(ctx, id) } },
      });
    } catch (err) {
      if (!(err instanceof BerthError) || err.code !== 'AlreadyExists' || attempt > 20) throw err;
      if (asked && err.message.includes('name')) {
        const holder = ctx.records.getByName(asked);
        throw new BerthError(
          'AlreadyExists',
          `Conflict. The container name "/${asked}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
    }
  }
}

/** The shim key of a container: its id's first 16 hex digits (short socket paths, types.ts). */
export function shimKeyOf(_ctx: ServiceContext, id: string): string {
  return id.slice(0, 16);
}
