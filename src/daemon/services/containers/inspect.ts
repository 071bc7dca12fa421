// A container as the API shows it: GET /containers/{id}/json (swagger ContainerInspectResponse) and one
// item of GET /containers/json (ContainerSummary), from the record alone.
import { join } from 'node:path';
import type { HostConfig } from '../../../../api/docker/container.js';
import type { Container } from '../../../metadata/index.js';
import type { ServiceContext } from './context.js';
import { statusText, type StateForStatus } from './status.js';
import { containerNetworkSettings, containerPorts } from './networking.js';

/** Go's zero time, which dockerd prints for times that never happened. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const time = (d: Date | undefined): string => (d ? d.toISOString() : ZERO_TIME);

/** swagger ContainerState. */
export function containerState(ctx: ServiceContext, c: Container): Record<string, unknown> & StateForStatus {
  const data = ctx.data(c);
  return {
    Status: c.state,
    Running: c.state === 'running' || c.state === 'paused' || c.state === 'restarting',
    Paused: c.state === 'paused',
    Restarting: c.state === 'restarting',
    OOMKilled: c.oomKilled,
    Dead: c.state === 'dead',
    Pid: c.state === 'running' || c.state === 'paused' ? (c.pid ?? 0) : 0,
    ExitCode: c.exitCode ?? 0,
    Error: c.error,
    StartedAt: time(c.startedAt),
    FinishedAt: time(c.finishedAt),
    ...(data.healthcheck ? { Health: data.health ?? { Status: 'starting', FailingStreak: 0, Log: [] } } : {}),
  };
}

/** The command line ps shows: Path and Args joined by spaces. */
function command(ctx: ServiceContext, c: Container): string {
  const d = ctx.data(c);
  return [d.path, ...d.args].join(' ');
}

/** GET /containers/{id}/json. */
export function inspectContainer(
  ctx: ServiceContext,
  c: Container,
  execIds: string[],
): Record<string, unknown> {
  const data = ctx.data(c);
  const host = c.hostConfig as HostConfig;
  return {
    Id: c.id,
    Created: c.createdAt.toISOString(),
    Path: data.path,
    Args: data.args,
    State: containerState(ctx, c),
    Image: data.imageId,
    ResolvConfPath: join(data.bundle, 'resolv.conf'),
    HostnamePath: join(data.bundle, 'hostname'),
    HostsPath: join(data.bundle, 'hosts'),
    LogPath: c.logPath ?? '',
    Name: `/${c.name ?? ''}`,
    RestartCount: c.restartCount,
    Driver: c.snapshotter ?? '',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: { NetworkMode: 'bridge', ...host, Runtime: c.runtime.name },
    GraphDriver: { Name: c.snapshotter ?? '', Data: { MergedDir: data.rootfs } },
    Mounts: data.mounts,
    Config: {
      ...c.config,
      Hostname: (c.spec as { hostname?: string } | undefined)?.hostname ?? c.id.slice(0, 12),
    },
    NetworkSettings: containerNetworkSettings(ctx, c),
  };
}

/** One item of GET /containers/json. */
export function containerSummary(ctx: ServiceContext, c: Container): Record<string, unknown> {
  const data = ctx.data(c);
  const host = c.hostConfig as HostConfig;
  return {
    Id: c.id,
    Names: [`/${c.name ?? ''}`],
    Image: c.image,
    ImageID: data.imageId,
    Command: command(ctx, c),
    Created: Math.floor(c.createdAt.getTime() / 1000),
    Ports: containerPorts(ctx, c),
    Labels: c.labels,
    State: c.state,
    Status: statusText(containerState(ctx, c)),
    HostConfig: { NetworkMode: host.NetworkMode || 'bridge' },
    NetworkSettings: { Networks: containerNetworkSettings(ctx, c).Networks },
    Mounts: data.mounts,
  };
}
