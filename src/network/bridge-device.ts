// A network's bridge device, made when the network is created (as dockerd does) rather than on the first
// attachment (as the bridge plugin would): the DNS server must bind the gateway address before any
// container asks it anything. The bridge plugin then finds the bridge and its address in place
// (isGateway: it adds the address only if it is missing). Done with ip(8) from iproute2.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { BerthError } from '../base/errors.js';

/**
 * The bridge's MAC address: fixed, locally administered, derived from its name. A bridge whose address
 * the kernel picked takes the lowest address among its ports and changes it as ports come and go
 * (br_stp_recalculate_bridge_id), so containers' ARP entries for the gateway go stale whenever another
 * container leaves; an address set explicitly is kept (dockerd sets one on docker0 for the same reason).
 */
export function bridgeMac(name: string): string {
  const h = createHash('sha256').update(`berth bridge ${name}`).digest();
  h[0] = (h[0]! & 0xfe) | 0x02; // unicast, locally administered
  return [...h.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new BerthError('Internal', `ip ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

interface LinkInfo {
  ifname: string;
  operstate?: string;
  mtu?: number;
  flags?: string[];
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** The link named `name` with its addresses, or undefined when there is none. */
async function showLink(name: string): Promise<LinkInfo | undefined> {
  try {
    const [link] = JSON.parse(await ip(['-j', '-d', 'addr', 'show', 'dev', name])) as LinkInfo[];
    return link;
  } catch (err) {
    if (/does not exist|Cannot find device/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** Whether a link of that name exists. */
export async function linkExists(name: string): Promise<boolean> {
  return (await showLink(name)) !== undefined;
}

/**
 * Makes sure bridge `name` exists, is up, and holds `address` (`gw/prefix`); idempotent. A device of that
 * name that is not a bridge, or a bridge holding another IPv4 address, is refused, never changed.
 */
export async function ensureBridge(name: string, address: string, mtu?: number): Promise<void> {
  let link = await showLink(name);
  if (!link) {
    try {
      const opts = ['address', bridgeMac(name), ...(mtu ? ['mtu', String(mtu)] : [])];
      await ip(['link', 'add', 'name', name, ...opts, 'type', 'bridge']);
    } catch (err) {
      if (!/File exists/.test((err as Error).message)) throw err;
    }
    link = await showLink(name);
    if (!link) throw new BerthError('Internal', `bridge "${name}": missing right after it was made`);
  }
  if (link.linkinfo?.info_kind !== 'bridge')
    throw new BerthError(
      'AlreadyExists',
      `bridge "${name}": a device of that name exists and is not a bridge`,
    );
  const v4 = (link.addr_info ?? []).filter((a) => a.family === 'inet');
  const want = address.split('/');
  if (!v4.some((a) => a.local === want[0] && String(a.prefixlen) === want[1])) {
    if (v4.length)
      throw new BerthError(
        'AlreadyExists',
        `bridge "${name}": already holds ${v4.map((a) => `${a.local}/${a.prefixlen}`).join(', ')}, not ${address}`,
      );
    await ip(['addr', 'add', address, 'dev', name]);
  }
  if (!(link.flags ?? []).includes('UP')) await ip(['link', 'set', 'dev', name, 'up']);
}

/** Deletes a device; one that is already gone is fine. Ports still enslaved to a bridge are released. */
export async function removeLink(name: string): Promise<void> {
  try {
    await ip(['link', 'del', 'dev', name]);
  } catch (err) {
    if (!/does not exist|Cannot find device/.test((err as Error).message)) throw err;
  }
}
