// A stored CRI container as api.proto's Container (listings) and ContainerStatus messages.
import type { Container } from '../../metadata/index.js';
import type { CriContainerConfig } from '../messages.js';
import { criOf } from './record.js';
import { criSignalName } from './stop-signal.js';

const SIGTERM = 15;

type CriState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

/** The CRI state of a record (Docker's paused, restarting, removing and dead do not happen here). */
export function stateOf(c: Container): CriState {
  if (c.state === 'created') return 'CONTAINER_CREATED';
  if (c.state === 'running') return 'CONTAINER_RUNNING';
  if (c.state === 'exited') return 'CONTAINER_EXITED';
  return 'CONTAINER_UNKNOWN';
}

/** Container, as ListContainers lists it. */
export function criContainer(c: Container): Record<string, unknown> {
  const ext = criOf(c);
  return {
    id: c.id,
    pod_sandbox_id: c.sandboxId ?? '',
    metadata: { name: ext.name, attempt: ext.attempt },
    image: { image: ext.imageId, annotations: {} },
    image_ref: ext.imageId,
    image_id: ext.imageId,
    state: stateOf(c),
    created_at: ext.createdNs,
    labels: c.labels,
    annotations: ext.annotations,
  };
}

/** ContainerStatus. */
export function criContainerStatus(c: Container): Record<string, unknown> {
  const ext = criOf(c);
  const config = c.config as CriContainerConfig;
  return {
    ...criContainer(c),
    started_at: ext.startedNs ?? '0',
    finished_at: ext.finishedNs ?? '0',
    exit_code: c.state === 'exited' ? (c.exitCode ?? 0) : 0,
    reason: c.state === 'exited' ? (ext.reason ?? '') : '',
    message: ext.message ?? '',
    mounts: config.mounts ?? [],
    log_path: c.logPath ?? '',
    resources: config.linux?.resources ? { linux: config.linux.resources } : null,
    user: ext.user
      ? {
          linux: {
            uid: String(ext.user.uid),
            gid: String(ext.user.gid),
            supplemental_groups: ext.user.additionalGids.map(String),
          },
        }
      : null,
    stop_signal: criSignalName(ext.stopSignal ?? SIGTERM),
  };
}

/** ListContainers' filter: every field given must match (the id as a prefix, as crictl passes it). */
export function containerMatches(
  c: Container,
  f: {
    id?: string;
    state?: { state: string } | null;
    pod_sandbox_id?: string;
    label_selector?: Record<string, string>;
  } | null,
): boolean {
  if (!f) return true;
  if (f.id && !c.id.startsWith(f.id)) return false;
  if (f.state && stateOf(c) !== f.state.state) return false;
  if (f.pod_sandbox_id && !(c.sandboxId ?? '').startsWith(f.pod_sandbox_id)) return false;
  for (const [k, v] of Object.entries(f.label_selector ?? {})) if (c.labels[k] !== v) return false;
  return true;
}
