// A stored pod as CRI's PodSandbox (listings) and PodSandboxStatus messages (api.proto).
import type { NamespaceOption, PodSandboxConfig, PodSandboxFilter, PodSandboxState } from '../messages.js';
import type { SandboxRecord } from '../store/sandboxes.js';

function stateOf(rec: SandboxRecord): PodSandboxState {
  return rec.state === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
}

function metadataOf(rec: SandboxRecord): Record<string, unknown> {
  return { name: rec.name, uid: rec.podUid, namespace: rec.podNamespace, attempt: rec.attempt };
}

/** PodSandbox, as ListPodSandbox lists it. */
export function podSandbox(rec: SandboxRecord): Record<string, unknown> {
  return {
    id: rec.id,
    metadata: metadataOf(rec),
    state: stateOf(rec),
    created_at: rec.createdAt,
    labels: rec.labels,
    annotations: rec.annotations,
    runtime_handler: rec.runtimeHandler,
  };
}

/** PodSandboxStatus. */
export function podSandboxStatus(rec: SandboxRecord): Record<string, unknown> {
  const ns: NamespaceOption =
    (rec.config as PodSandboxConfig).linux?.security_context?.namespace_options ?? {};
  return {
    ...podSandbox(rec),
    // A stopped pod has no address any more: kubelet reads an empty ip as "not networked".
    network: { ip: rec.state === 'ready' ? (rec.ip ?? '') : '', additional_ips: [] },
    linux: {
      namespaces: {
        options: { network: ns.network ?? 'POD', pid: ns.pid ?? 'POD', ipc: ns.ipc ?? 'POD', target_id: '' },
      },
    },
  };
}

/** Whether a pod passes ListPodSandbox's filter (every field given must match). */
export function podMatches(rec: SandboxRecord, f: PodSandboxFilter | null | undefined): boolean {
  if (!f) return true;
  if (f.id && !rec.id.startsWith(f.id)) return false;
  if (f.state && stateOf(rec) !== f.state.state) return false;
  for (const [k, v] of Object.entries(f.label_selector ?? {})) if (rec.labels[k] !== v) return false;
  return true;
}
