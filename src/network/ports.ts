// Host ports for published container ports. Explicit ports are checked against every other endpoint of
// this Berth and against sockets bound on the host (portmap's DNAT would silently steal a port a host
// program listens on); hostPort 0 (`-P`, `-p 80`) gets a free port from the kernel's ephemeral range, as
// dockerd's portallocator does (it reads the same /proc/sys/net/ipv4/ip_local_port_range).
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { BerthError } from '../base/errors.js';
import { parseIPv4 } from './ipam/ipv4.js';
import type { PortMapping } from './types.js';

/** dockerd's fallback when the kernel's range cannot be read. */
const FALLBACK_RANGE: [number, number] = [49153, 65535];

/** The kernel's ephemeral port range. */
export function ephemeralRange(path = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  try {
    const [lo, hi] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // fall back
  }
  return FALLBACK_RANGE;
}

/** Checks and normalises one requested mapping (hostIP "0.0.0.0" means every address, as empty does). */
export function normalizeMapping(m: PortMapping, defaultHostIP = ''): PortMapping {
  const proto = m.protocol ?? 'tcp';
  if (!['tcp', 'udp', 'sctp'].includes(proto))
    throw new BerthError('InvalidArgument', `invalid proto: ${String(proto)}`);
  if (!Number.isInteger(m.containerPort) || m.containerPort < 1 || m.containerPort > 65535)
    throw new BerthError('InvalidArgument', `invalid containerPort: ${String(m.containerPort)}`);
  if (!Number.isInteger(m.hostPort) || m.hostPort < 0 || m.hostPort > 65535)
    throw new BerthError('InvalidArgument', `invalid hostPort: ${String(m.hostPort)}`);
  let hostIP = m.hostIP ?? defaultHostIP;
  if (hostIP === '0.0.0.0') hostIP = '';
  if (hostIP !== '' && parseIPv4(hostIP) === undefined)
    throw new BerthError(
      'InvalidArgument',
      `invalid host IP "${hostIP}": only IPv4 addresses can be published`,
    );
  return { hostPort: m.hostPort, containerPort: m.containerPort, protocol: proto, ...(hostIP && { hostIP }) };
}

/** Whether two mappings claim the same host port (same protocol; addresses equal or one of them "all"). */
export function mappingsClash(a: PortMapping, b: PortMapping): boolean {
  return (
    a.protocol === b.protocol &&
    a.hostPort === b.hostPort &&
    (!a.hostIP || !b.hostIP || a.hostIP === b.hostIP)
  );
}

const shown = (m: PortMapping) => `${m.hostIP || '0.0.0.0'}:${m.hostPort}`;

/** Whether nothing on the host is bound to the port (a bind that works is undone at once). */
export function hostPortFree(m: PortMapping): Promise<boolean> {
  const host = m.hostIP || '0.0.0.0';
  if (m.protocol === 'sctp') return Promise.resolve(true); // Node cannot bind SCTP; portmap's DNAT decides
  return new Promise((resolve) => {
    if (m.protocol === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind({ port: m.hostPort, address: host, exclusive: true }, () => s.close(() => resolve(true)));
    } else {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port: m.hostPort, host, exclusive: true }, () => srv.close(() => resolve(true)));
    }
  });
}

/**
 * The mappings with every hostPort 0 replaced by a free port, after checking explicit ones: a clash with
 * `inUse` (other endpoints' mappings) or a bound host socket fails with docker's "port is already allocated".
 * `probe` tells whether the host has the port free (hostPortFree, a bind that is undone at once).
 */
export async function resolvePortMappings(
  requested: readonly PortMapping[],
  inUse: readonly PortMapping[],
  opts: {
    defaultHostIP?: string;
    range?: [number, number];
    probe?: (m: PortMapping) => Promise<boolean>;
  } = {},
): Promise<PortMapping[]> {
  const probe = opts.probe ?? hostPortFree;
  const taken = [...inUse];
  const out: PortMapping[] = [];
  const [lo, hi] = opts.range ?? ephemeralRange();
  for (const raw of requested) {
    const m = normalizeMapping(raw, opts.defaultHostIP);
    if (m.hostPort !== 0) {
      if (taken.some((t) => mappingsClash(t, m)) || !(await probe(m)))
        throw new BerthError('AlreadyExists', `Bind for ${shown(m)} failed: port is already allocated`);
    } else {
      m.hostPort = await freePort(m, taken, lo, hi, probe);
    }
    taken.push(m);
    out.push(m);
  }
  return out;
}

async function freePort(
  m: PortMapping,
  taken: readonly PortMapping[],
  lo: number,
  hi: number,
  probe: (m: PortMapping) => Promise<boolean>,
): Promise<number> {
  const span = hi - lo + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = lo + ((start + i) % span);
    const candidate = { ...m, hostPort: port };
    if (!taken.some((t) => mappingsClash(t, candidate)) && (await probe(candidate))) return port;
  }
  throw new BerthError(
    'Unavailable',
    `no free ${m.protocol} host port in ${lo}-${hi} for ${shown({ ...m, hostPort: 0 })}`,
  );
}
