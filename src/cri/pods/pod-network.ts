// A pod's network through src/network: one bridge network for every pod of this daemon ("k8s-pods",
// made on first use, in the CRI's own network state so that Docker's networks never see it), a netns per
// pod with CNI bridge + host-local + portmap attached as eth0. The subnet is the pod CIDR kubelet gave
// in UpdateRuntimeConfig when it came first, else one from the address pools.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../base/errors.js';
import { DEFAULT_CNI_PATH, type NetworkManager, type PortMapping } from '../../network/index.js';
import type { CriPortMapping } from '../messages.js';

/** The network every pod joins. */
export const POD_NETWORK = 'k8s-pods';

/** The CNI plugins a pod network needs (containernetworking-plugins). */
const PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];

/** Why pod networking cannot work here, or undefined when it can (CRI Status: NetworkReady). */
export function networkProblem(cniPath: string[] = DEFAULT_CNI_PATH): string | undefined {
  const missing = PLUGINS.filter((p) => !cniPath.some((dir) => existsSync(join(dir, p))));
  if (missing.length)
    return `cni plugins ${missing.map((m) => `"${m}"`).join(', ')} not found in "${cniPath.join(':')}"`;
  return undefined;
}

/** What a pod's attachment gave it. */
export interface PodAttachment {
  netnsPath: string;
  ip: string;
}

/** Pod networks of one daemon. */
export class PodNetworks {
  /** The pod CIDR from UpdateRuntimeConfig; used when the network is made. */
  podCidr = '';

  constructor(private readonly manager: () => Promise<NetworkManager>) {}

  /** Makes the pod's netns and attaches it to the pod network; undoes itself on failure. */
  async attach(podId: string, hostname: string, ports: CriPortMapping[]): Promise<PodAttachment> {
    const problem = networkProblem();
    if (problem) throw new BerthError('FailedPrecondition', `pod network: ${problem}`);
    const m = await this.manager();
    await this.ensureNetwork(m);
    const netnsPath = await m.createSandbox(podId);
    try {
      const ep = await m.connect(podId, POD_NETWORK, {
        name: podId,
        ...(hostname ? { hostname } : {}),
        // CRI: a host_port of 0 publishes nothing (the port is only declared), unlike docker's -P.
        portMappings: ports.map(toPortMapping).filter((p) => p.hostPort > 0),
      });
      return { netnsPath, ip: ep.ipv4Address };
    } catch (err) {
      await m.removeSandbox(podId).catch(() => undefined);
      throw err;
    }
  }

  /** Releases the pod's address and ports and removes its netns; a pod without one is fine. */
  async detach(podId: string): Promise<void> {
    await (await this.manager()).removeSandbox(podId);
  }

  private async ensureNetwork(m: NetworkManager): Promise<void> {
    try {
      m.getNetwork(POD_NETWORK);
    } catch (err) {
      if (!(err instanceof BerthError) || err.code !== 'NotFound') throw err;
      await m
        .createNetwork({ name: POD_NETWORK, ...(this.podCidr ? { subnet: this.podCidr } : {}) })
        .catch((e: unknown) => {
          // Two pods starting together both saw no network: the second creation loses, harmlessly.
          if (!(e instanceof BerthError) || e.code !== 'AlreadyExists') throw e;
        });
    }
  }
}

function toPortMapping(p: CriPortMapping, i: number): PortMapping {
  const field = `config.port_mappings[${i}]`;
  for (const [name, v] of [
    ['container_port', p.container_port],
    ['host_port', p.host_port],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > 65535)
      throw new BerthError('InvalidArgument', `${field}.${name}: ${v} is not a port number`);
  if (!p.container_port) throw new BerthError('InvalidArgument', `${field}.container_port: must be set`);
  return {
    containerPort: p.container_port,
    hostPort: p.host_port,
    protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'],
    ...(p.host_ip ? { hostIP: p.host_ip } : {}),
  };
}
