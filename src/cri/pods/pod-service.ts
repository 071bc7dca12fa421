// Pod sandboxes: the records (store/sandboxes.ts), the holder under its own shim (holder-spec.ts), the
// network (pod-network.ts) and the pod's files (resolv.conf, hostname) under <root>/sandboxes/<id>/.
//
// State machine (kubelet's, api.proto RunPodSandbox/StopPodSandbox/RemovePodSandbox):
//   run ──> ready ──stop──> notready ──remove──> (gone)
//             └──(holder died)──> notready
// Stop and remove are idempotent: stopping a stopped pod, or removing a removed one, succeeds. Status of
// a removed pod is NotFound. A run that fails leaves nothing: no record, shim, netns or directory.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, wrap } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { ShimManager, ShimRuntime } from '../../daemon/shim-client/index.js';
import type { PodSandboxConfig } from '../messages.js';
import type { Sandboxes, SandboxRecord } from '../store/sandboxes.js';
import { HOLDER_BINARY, holderSpec } from './holder-spec.js';
import type { PodNetworks } from './pod-network.js';
import { resolvConf } from './resolv-conf.js';

/** What the pod service uses. */
export interface PodServiceOptions {
  /** Where pod directories go (<root>/cri/sandboxes). */
  dir: string;
  sandboxes: Sandboxes;
  shims: ShimManager;
  networks: PodNetworks;
  /** The runtime for a runtime_handler ("" is the built-in one); throws for an unknown handler. */
  runtimeFor(handler: string): ShimRuntime;
  /** berth-pause. */
  holderBinary: string;
  /** Grace period of the holder at stop. */
  stopTimeoutMs?: number;
  log: Logger;
}

/** Nanoseconds since the epoch, as CRI's int64 times are. */
export function nowNanos(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

/** CRI's cgroupfs rule: a systemd slice name needs the systemd driver, which cannot run without systemd. */
export function podCgroupsPath(parent: string, id: string): string {
  if (parent.endsWith('.slice'))
    throw new BerthError(
      'InvalidArgument',
      `config.linux.cgroup_parent "${parent}": a systemd slice needs the systemd cgroup driver; berth uses cgroupfs here (no systemd runs)`,
    );
  if (parent && !parent.startsWith('/'))
    throw new BerthError(
      'InvalidArgument',
      `config.linux.cgroup_parent "${parent}": must be an absolute cgroupfs path`,
    );
  return `${parent || '/k8s.io'}/${id}`;
}

/** A pod's /etc/hosts: localhost and the pod's own name on loopback (hosts(5)). */
function hostsText(hostname: string): string {
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`;
}

/** Whether the pod shares the node's network namespace (hostNetwork). */
export function isHostNetwork(rec: SandboxRecord): boolean {
  return (rec.config as PodSandboxConfig).linux?.security_context?.namespace_options?.network === 'NODE';
}

/** The pod sandboxes of one daemon. */
export class PodService {
  constructor(private readonly o: PodServiceOptions) {}

  /** RunPodSandbox: a ready pod, or an error and nothing left behind. */
  async run(config: PodSandboxConfig, handler: string): Promise<string> {
    const md = config.metadata;
    for (const f of ['name', 'uid', 'namespace'] as const)
      if (!md?.[f]) throw new BerthError('InvalidArgument', `config.metadata.${f}: must not be empty`);
    const runtime = this.o.runtimeFor(handler);
    // 32 hex, not 64: the shim's sockets under <state>/cri/shims/<id>/ must fit a unix socket address
    // (108 bytes, unix(7)), also for private state dirs deeper than /run/berth.
    const id = randomBytes(16).toString('hex');
    const linux = config.linux ?? {};
    const nsOpts = linux.security_context?.namespace_options ?? {};
    const cgroupsPath = podCgroupsPath(linux.cgroup_parent ?? '', id);
    const rec: SandboxRecord = {
      id,
      name: md!.name,
      podNamespace: md!.namespace,
      podUid: md!.uid,
      attempt: md!.attempt ?? 0,
      state: 'notready',
      runtimeHandler: handler,
      config: config as Record<string, unknown>,
      labels: config.labels ?? {},
      annotations: config.annotations ?? {},
      createdAt: nowNanos(),
    };
    this.o.sandboxes.create(rec);
    const dir = join(this.o.dir, id);
    let attached = false;
    let shim = false;
    try {
      const rootfs = join(dir, 'rootfs');
      for (const d of ['proc', 'dev', 'etc']) mkdirSync(join(rootfs, d), { recursive: true, mode: 0o755 });
      copyFileSync(this.o.holderBinary, join(rootfs, HOLDER_BINARY));
      writeFileSync(join(dir, 'resolv.conf'), resolvConf(config.dns_config), { mode: 0o644 });
      writeFileSync(join(dir, 'hostname'), `${config.hostname || md!.name}\n`, { mode: 0o644 });
      // kubelet usually mounts its own /etc/hosts; this one serves pods it does not (crictl, tests).
      writeFileSync(join(dir, 'hosts'), hostsText(config.hostname || md!.name), { mode: 0o644 });
      let netnsPath: string | undefined;
      let ip: string | undefined;
      if (nsOpts.network !== 'NODE') {
        attached = true;
        ({ netnsPath, ip } = await this.o.networks.attach(
          id,
          config.hostname ?? '',
          config.port_mappings ?? [],
        ));
      }
      const spec = holderSpec({
        namespaces: nsOpts,
        netnsPath,
        hostname: config.hostname || md!.name,
        sysctls: linux.sysctls ?? {},
        cgroupsPath,
      });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
      shim = true;
      const st = await this.o.shims.create({ id, bundle: dir, runtime });
      await this.o.shims.start(id);
      this.o.sandboxes.update(id, { state: 'ready', pid: st.record.pid, netnsPath, ip });
      this.o.log.info('pod sandbox ready', { id, name: rec.name, namespace: rec.podNamespace, ip });
      return id;
    } catch (err) {
      if (shim) await this.o.shims.delete(id, { force: true }).catch(() => undefined);
      if (attached) await this.o.networks.detach(id).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      this.o.sandboxes.delete(id);
      throw wrap(err, `run pod sandbox "${rec.name}"`);
    }
  }

  /** StopPodSandbox: the holder ends and the network is released; again and again if asked. */
  async stop(id: string, stopContainers: (podId: string) => Promise<void>): Promise<void> {
    const rec = this.o.sandboxes.find(id);
    if (!rec) return; // kubelet may stop a pod it already removed
    await stopContainers(id);
    const st = await this.o.shims.state(id).catch(() => undefined);
    if (st && (st.status === 'running' || st.status === 'created'))
      await this.o.shims.stop(id, this.o.stopTimeoutMs ?? 2000);
    // Detaching twice is a no-op (the attachment records are gone), so a repeated stop costs nothing.
    if (!isHostNetwork(rec)) await this.o.networks.detach(id);
    if (rec.state !== 'notready' || rec.netnsPath)
      this.o.sandboxes.update(id, { state: 'notready', netnsPath: undefined });
  }

  /** RemovePodSandbox: stops what runs, then removes everything of the pod; a missing pod is fine. */
  async remove(id: string, removeContainers: (podId: string) => Promise<void>): Promise<void> {
    if (!this.o.sandboxes.find(id)) return;
    await this.stop(id, removeContainers);
    await removeContainers(id);
    await this.o.shims.delete(id, { force: true }).catch((err: unknown) => {
      if (!(err instanceof BerthError) || err.code !== 'NotFound') throw err;
    });
    rmSync(join(this.o.dir, id), { recursive: true, force: true });
    this.o.sandboxes.delete(id);
  }

  /** The pod's record, its state brought up to date with its holder (a dead holder: notready). */
  async get(id: string): Promise<SandboxRecord> {
    const rec = this.o.sandboxes.get(id);
    if (rec.state !== 'ready') return rec;
    const st = await this.o.shims.state(id).catch(() => undefined);
    if (st?.status === 'running') return rec;
    this.o.sandboxes.update(id, { state: 'notready' });
    return { ...rec, state: 'notready' };
  }

  /** Every pod, states brought up to date. */
  async list(): Promise<SandboxRecord[]> {
    return Promise.all(this.o.sandboxes.list().map((r) => this.get(r.id)));
  }

  /** The directory of the pod's files (resolv.conf, hostname). */
  podDir(id: string): string {
    return join(this.o.dir, id);
  }
}
