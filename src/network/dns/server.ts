// One network's DNS server: UDP and TCP on <gateway>:53 in the host namespace (containers' resolv.conf
// names the gateway). TCP carries each message behind a two-byte length (RFC 1035 4.2.2); a connection
// may ask several questions and is closed when idle.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { BerthError, messageOf } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import { answerQuery, type AnswerContext } from './answer.js';

/** How long an idle TCP connection is kept. */
const TCP_IDLE_MS = 10_000;

/** A DNS server bound to one address. */
export class NetworkDnsServer {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly conns = new Set<Socket>();

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly ctx: AnswerContext,
    private readonly log?: Logger,
  ) {}

  /** Binds both sockets; throws (with nothing left bound) when either cannot be bound. */
  async start(): Promise<void> {
    try {
      this.udp = await bindUdp(this.address, this.port, (msg, rinfo) =>
        this.onUdp(msg, rinfo.address, rinfo.port),
      );
      this.tcp = await listenTcp(this.address, this.port, (c) => this.onTcp(c));
    } catch (err) {
      await this.stop();
      throw new BerthError('Unavailable', `dns server on "${this.address}:${this.port}": ${messageOf(err)}`, {
        cause: err,
      });
    }
  }

  /** Closes both sockets and every open connection. */
  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await Promise.all([
      udp && new Promise<void>((r) => udp.close(() => r())),
      tcp && new Promise<void>((r) => tcp.close(() => r())),
    ]);
  }

  private onUdp(msg: Buffer, address: string, port: number): void {
    answerQuery(msg, address, this.ctx, 'udp').then(
      (answer) => {
        if (answer && this.udp) this.udp.send(answer, port, address);
      },
      (err) => this.log?.warn(`dns ${this.address}: ${messageOf(err)}`),
    );
  }

  private onTcp(c: Socket): void {
    this.conns.add(c);
    c.setTimeout(TCP_IDLE_MS, () => c.destroy());
    c.on('close', () => this.conns.delete(c));
    c.on('error', () => c.destroy());
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const query = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + query.length);
        answerQuery(Buffer.from(query), c.remoteAddress ?? '', this.ctx, 'tcp').then(
          (answer) => {
            if (!answer || c.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(answer.length);
            c.write(Buffer.concat([len, answer]));
          },
          (err) => this.log?.warn(`dns ${this.address}: ${messageOf(err)}`),
        );
      }
    });
  }
}

function bindUdp(
  address: string,
  port: number,
  onMessage: (msg: Buffer, rinfo: { address: string; port: number }) => void,
): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.on('message', onMessage);
    s.bind({ address, port, exclusive: true }, () => {
      s.off('error', reject);
      s.on('error', () => undefined); // ICMP errors from clients that went away
      resolve(s);
    });
  });
}

function listenTcp(address: string, port: number, onConnection: (c: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer(onConnection);
    srv.once('error', reject);
    srv.listen({ host: address, port, exclusive: true }, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}
