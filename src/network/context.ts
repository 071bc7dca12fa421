// What the manager's parts share: the options, the on-disk locations (STATE.md), the stores, the CNI
// runner, the name service and the locks. Built once by NetworkManager.open.
import { join } from 'node:path';
import { Logger } from '../base/log.js';
import { AttachmentCache } from './cni/cache.js';
import { DEFAULT_CNI_PATH, PluginExecutor } from './cni/exec.js';
import { CniRunner } from './cni/runner.js';
import type { AddressPool } from './ipam/pool.js';
import { KeyedLock } from './keyed-lock.js';
import { JsonNetworkStore, type NetworkStore } from './store.js';
import type { NameService, PortMapping } from './types.js';

/** How the manager is set up (the daemon fills this from its flags and daemon.json). */
export interface NetworkManagerOptions {
  /** --root: network definitions go under `<root>/network/networks`. */
  root: string;
  /** --exec-root / state dir: netns, attachment records and host-local leases. */
  state: string;
  /** CNI_PATH; Debian's /usr/lib/cni by default. */
  cniPath?: string[];
  /**
   * The default `bridge` network: its device (dockerd's --bridge; `berth0`), subnet (--bip's network)
   * and gateway; `false` for none (dockerd's --bridge=none).
   */
  defaultBridge?: false | { device?: string; subnet?: string; gateway?: string };
  /** dockerd's --default-address-pool; docker's defaults when absent. */
  addressPools?: AddressPool[];
  /** The DNS side; none means containers resolve no names (tests of other parts, --no-dns). */
  names?: NameService;
  /** Where the daemon logs. */
  log?: Logger;
  /** The kernel's ephemeral range is used for random host ports unless this is given. */
  hostPortRange?: [number, number];
}

/** The metadata the manager keeps in each attachment record (cni/cache.ts `meta`). */
export type AttachmentMeta =
  | { kind: 'loopback' }
  | {
      kind: 'endpoint';
      networkId: string;
      networkName: string;
      endpointId: string;
      name: string;
      aliases: string[];
      dnsNames: string[];
      ports: PortMapping[];
      staticIPv4?: string;
      ipv4?: string;
      prefixLen?: number;
      gateway: string;
      macAddress?: string;
      hostVeth?: string;
      dnsServer?: string;
      /** The container's own upstream DNS servers (ConnectRequest.dnsServers). */
      dnsServers?: string[];
    };

/** The endpoint variant of AttachmentMeta. */
export type EndpointMeta = Extract<AttachmentMeta, { kind: 'endpoint' }>;

/** The directories of STATE.md. */
export interface NetworkPaths {
  /** `<root>/network/networks`. */
  networks: string;
  /** `<state>/netns`. */
  netns: string;
  /** `<state>/network/attachments`. */
  attachments: string;
  /** `<state>/network/ipam` (host-local's dataDir). */
  ipam: string;
}

/** The shared parts. */
export interface NetworkContext {
  /** The options as given. */
  readonly opts: NetworkManagerOptions;
  /** The directories. */
  readonly paths: NetworkPaths;
  /** Network definitions. */
  readonly store: NetworkStore;
  /** Attachment records. */
  readonly cache: AttachmentCache<AttachmentMeta>;
  /** Plugin execution. */
  readonly runner: CniRunner;
  /** Per-container and per-network serialisation. */
  readonly locks: KeyedLock;
  /** The log. */
  readonly log: Logger;
}

/** The paths of STATE.md under a root and a state dir. */
export function networkPaths(root: string, state: string): NetworkPaths {
  return {
    networks: join(root, 'network', 'networks'),
    netns: join(state, 'netns'),
    attachments: join(state, 'network', 'attachments'),
    ipam: join(state, 'network', 'ipam'),
  };
}

/** Builds the context (makes the networks directory). */
export function makeContext(opts: NetworkManagerOptions, store?: NetworkStore): NetworkContext {
  const paths = networkPaths(opts.root, opts.state);
  return {
    opts,
    paths,
    store: store ?? new JsonNetworkStore(paths.networks),
    cache: new AttachmentCache<AttachmentMeta>(paths.attachments),
    runner: new CniRunner(new PluginExecutor(opts.cniPath ?? DEFAULT_CNI_PATH)),
    locks: new KeyedLock(),
    log: opts.log ?? new Logger('info', { module: 'network' }),
  };
}
