// Where names a network does not know go: the host's resolvers from resolv.conf(5), as dockerd's embedded
// DNS forwards to them. Loopback nameservers are skipped (dockerd's rule: a loopback stub usually hands
// queries back to the host's real servers, and must never be handed our own answers), and on hosts where
// /etc/resolv.conf lists only systemd-resolved's 127.0.0.53, its upstream list is read instead (dockerd
// does the same with /run/systemd/resolve/resolv.conf). Forwarding relays the client's query bytes
// unchanged and returns the first answer; a TCP client's query is forwarded over TCP.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, isIP } from 'node:net';

/** One upstream server. */
export interface Upstream {
  /** IPv4 or IPv6 address. */
  address: string;
  /** Port; 53 normally. */
  port: number;
}

/** How long one upstream gets before the next is tried. */
const UPSTREAM_TIMEOUT_MS = 2000;

const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/** The `nameserver` addresses of resolv.conf text, in order. */
export function nameserversOf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const [key, value] = raw
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/);
    if (key === 'nameserver' && value && isIP(value.replace(/%.*$/, ''))) out.push(value);
  }
  return out;
}

/** The upstreams from resolv.conf files, loopback ones and `exclude`d ones (our own listeners) left out. */
export function upstreamsFromResolvConf(
  paths = ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf'],
  exclude: readonly string[] = [],
): Upstream[] {
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const servers = nameserversOf(text).filter((s) => !isLoopback(s) && !exclude.includes(s));
    if (servers.length) return servers.map((address) => ({ address, port: 53 }));
  }
  return [];
}

/**
 * Asks each upstream in turn until one answers: `ask` starts one attempt and calls `done` with the answer
 * (or nothing, to move on); it returns how to drop the attempt's socket. Each attempt has its timeout.
 */
async function firstAnswer(
  upstreams: readonly Upstream[],
  ask: (u: Upstream, done: (answer?: Buffer) => void) => () => void,
): Promise<Buffer | undefined> {
  for (const u of upstreams) {
    const answer = await new Promise<Buffer | undefined>((resolve) => {
      let settled = false;
      let drop = () => {};
      const done = (b?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        drop();
        resolve(b);
      };
      const timer = setTimeout(() => done(), UPSTREAM_TIMEOUT_MS);
      drop = ask(u, done);
    });
    if (answer) return answer;
  }
  return undefined;
}

/** Relays a query over UDP to each upstream in turn; the first answer with the query's ID wins. */
export function forwardUdp(query: Buffer, upstreams: readonly Upstream[]): Promise<Buffer | undefined> {
  return firstAnswer(upstreams, (u, done) => {
    const s = createSocket(u.address.includes(':') ? 'udp6' : 'udp4');
    s.on('error', () => done());
    s.on('message', (m, rinfo) => {
      // Only the server asked, answering this query's ID (RFC 5452 section 9.1).
      if (rinfo.address === u.address && m.length >= 2 && m.readUInt16BE(0) === query.readUInt16BE(0))
        done(m);
    });
    s.send(query, u.port, u.address);
    return () => s.close();
  });
}

/** Relays a query over TCP (two-byte length prefix, RFC 1035 4.2.2) to each upstream in turn. */
export function forwardTcp(query: Buffer, upstreams: readonly Upstream[]): Promise<Buffer | undefined> {
  return firstAnswer(upstreams, (u, done) => {
    const c = connect({ host: u.address, port: u.port });
    let buf = Buffer.alloc(0);
    c.on('error', () => done());
    c.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      c.write(Buffer.concat([len, query]));
    });
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    c.on('end', () => done());
    return () => c.destroy();
  });
}
