// PodSandboxStats, ListPodSandboxStats and StreamPodSandboxStats. The pod's cgroup is its cgroup_parent
// (kubelet gives each pod its own, e.g. /kubepods/burstable/pod<uid>, and the holder and the containers
// are its children), so its figures are that cgroup's hierarchical ones; a pod without a cgroup parent
// reports its holder's. Network counters are the pod netns's, read through the holder's /proc/<pid>/net/dev.
import { readFileSync } from 'node:fs';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { BerthError } from '../base/errors.js';
import { hostLayout, resolveCgroupPaths } from '../runtime/index.js';
import { nanosNow } from './containers/record.js';
import { readStats, usageOf } from './containers/stats.js';
import type { CriContext } from './context.js';
import type { PodSandboxConfig } from './messages.js';
import { podMatches } from './pods/pod-shape.js';
import type { SandboxRecord } from './store/sandboxes.js';
import { podIdOf } from './stop-pod-sandbox.js';

const u64 = (v: bigint | number | string): { value: string } => ({ value: String(v) });

/** Interface counters from /proc/<pid>/net/dev (proc(5)): bytes and errors, received and sent. */
function networkOf(pid: number): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return null;
  }
  const interfaces = text
    .split('\n')
    .slice(2)
    .filter((l) => l.includes(':'))
    .map((l) => {
      const [name, rest] = l.split(':') as [string, string];
      const f = rest.trim().split(/\s+/);
      return {
        name: name.trim(),
        rx_bytes: u64(f[0]!),
        rx_errors: u64(f[2]!),
        tx_bytes: u64(f[8]!),
        tx_errors: u64(f[10]!),
      };
    })
    .filter((i) => i.name !== 'lo');
  const eth0 = interfaces.find((i) => i.name === 'eth0') ?? null;
  return { timestamp: nanosNow(), default_interface: eth0, interfaces };
}

async function podStats(pod: SandboxRecord, ctx: CriContext): Promise<Record<string, unknown>> {
  const parent = (pod.config as PodSandboxConfig).linux?.cgroup_parent ?? '';
  const layout = hostLayout();
  // Without a parent the holder's own cgroup (pod-service.ts podCgroupsPath) is all there is.
  const paths = resolveCgroupPaths(parent || `/k8s.io/${pod.id}`, pod.id, layout);
  const raw = pod.state === 'ready' ? readStats(paths) : undefined;
  const usage = raw ? usageOf(`pod:${pod.id}`, raw) : undefined;
  const containers = await Promise.all(
    ctx.containers
      .list(pod.id)
      .filter((c) => c.state === 'running')
      .map((c) => ctx.containers.stats(c)),
  );
  return {
    attributes: {
      id: pod.id,
      metadata: { name: pod.name, uid: pod.podUid, namespace: pod.podNamespace, attempt: pod.attempt },
      labels: pod.labels,
      annotations: pod.annotations,
    },
    linux: {
      cpu: usage?.cpu ?? null,
      memory: usage?.memory ?? null,
      network: pod.state === 'ready' && pod.pid && pod.netnsPath ? networkOf(pod.pid) : null,
      process: raw ? { timestamp: nanosNow(), process_count: u64(raw.pids.current) } : null,
      containers,
    },
  };
}

async function matching(
  filter: { id?: string; label_selector?: Record<string, string> } | null,
  ctx: CriContext,
): Promise<unknown[]> {
  const pods = (await ctx.pods.list()).filter((p) => p.state === 'ready' && podMatches(p, filter));
  return Promise.all(pods.map((p) => podStats(p, ctx)));
}

/** PodSandboxStats. */
export async function podSandboxStatsRpc(
  req: { pod_sandbox_id: string },
  ctx: CriContext,
): Promise<{ stats: unknown }> {
  const pod = await ctx.pods.get(podIdOf(req));
  if (pod.state !== 'ready')
    throw new BerthError('FailedPrecondition', `pod sandbox "${pod.id}": it is not ready`);
  return { stats: await podStats(pod, ctx) };
}

/** ListPodSandboxStats. */
export async function listPodSandboxStats(
  req: { filter: { id?: string; label_selector?: Record<string, string> } | null },
  ctx: CriContext,
): Promise<{ stats: unknown[] }> {
  return { stats: await matching(req.filter, ctx) };
}

/** StreamPodSandboxStats: the same stats in responses of at most 100. */
export async function streamPodSandboxStats(
  req: { filter: { id?: string; label_selector?: Record<string, string> } | null },
  ctx: CriContext,
  call: ServerWritableStream<unknown, unknown>,
): Promise<void> {
  const all = await matching(req.filter, ctx);
  for (let i = 0; i < all.length; i += 100) call.write({ pod_sandbox_stats: all.slice(i, i + 100) });
}
