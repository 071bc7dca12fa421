// The CNI configuration list of a bridge network (what podman's CNI backend and nerdctl generate too):
//
//   bridge     the network's bridge device; isGateway (the bridge holds the gateway address), no ipMasq
//              (the network masquerades its subnet once: firewall/isolation.ts), hairpinMode (a container
//              reaches itself through its own published port), mtu from com.docker.network.driver.mtu
//     ipam     host-local with a private dataDir (leases: <dataDir>/<network name>/<ip>), one range, and a
//              default route only when the network is not internal
//   portmap    portMappings capability, snat (so that 127.0.0.1:<port> on the host works: it sets
//              route_localnet on the bridge and masquerades hairpin and localhost traffic). Left out on
//              internal networks: nothing may be published from them.
//
// No `firewall` plugin: its per-container ACCEPT rules would sit in CNI-FORWARD at the top of FORWARD,
// ahead of the isolation rules, and its chains are never removed; Berth's own chains (firewall/isolation.ts)
// accept per bridge instead, after isolation has had its say.
//
// Pure: the manager stores the list with each attachment, so DEL runs with exactly what ADD ran.
import { formatIPv4, networkOf, broadcastOf, parseCidr } from './ipam/ipv4.js';
import type { NetworkConfList, PluginConf } from './cni/types.js';
import type { NetworkRecord } from './types.js';
import { BRIDGE_OPTIONS } from './validate.js';

/** The CNI version Berth writes its lists in (the newest Debian's 1.1.1 plugins speak). */
export const CONFLIST_VERSION = '1.0.0';

/** What a list needs besides the network. */
export interface ConfListOptions {
  /** host-local's dataDir. */
  ipamDataDir: string;
  /** A static address for this attachment: the range then holds only it. */
  staticIPv4?: string;
}

/** The host-local range of a network: the whole subnet, or its ip-range, minus network and broadcast. */
export function rangeOf(net: NetworkRecord, staticIPv4?: string): Record<string, string> {
  const range: Record<string, string> = { subnet: net.subnet, gateway: net.gateway };
  if (staticIPv4) {
    range.rangeStart = staticIPv4;
    range.rangeEnd = staticIPv4;
    return range;
  }
  const sub = parseCidr(net.subnet)!;
  const block = net.ipRange ? parseCidr(net.ipRange) : undefined;
  if (block) {
    const first = Math.max(networkOf(block), networkOf(sub) + 1);
    const last = Math.min(broadcastOf(block), broadcastOf(sub) - 1);
    range.rangeStart = formatIPv4(first);
    range.rangeEnd = formatIPv4(last);
  }
  return range;
}

/** The CNI configuration list of a bridge network, for one attachment. */
export function bridgeConfList(net: NetworkRecord, opts: ConfListOptions): NetworkConfList {
  const bridge: PluginConf = {
    type: 'bridge',
    bridge: net.bridge,
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      dataDir: opts.ipamDataDir,
      ranges: [[rangeOf(net, opts.staticIPv4)]],
      routes: net.internal ? [] : [{ dst: '0.0.0.0/0' }],
    },
  };
  const mtu = net.options[BRIDGE_OPTIONS.mtu];
  if (mtu !== undefined) bridge.mtu = Number(mtu);
  const plugins: PluginConf[] = [bridge];
  if (!net.internal) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  return { cniVersion: CONFLIST_VERSION, name: net.name, plugins };
}

/** The list that brings a sandbox's loopback up (the CNI loopback plugin). */
export function loopbackConfList(): NetworkConfList {
  return { cniVersion: CONFLIST_VERSION, name: 'berth-loopback', plugins: [{ type: 'loopback' }] };
}
