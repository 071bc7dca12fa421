// Small servers run inside a test's namespace (nsenter --net, a Node one-liner or busybox), and clients
// on the host's loopback. Every process is started here and stopped by its own pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

/** A process started inside a namespace; `stop()` kills it by pid and waits for it. */
export interface NetnsProcess {
  /** The process. */
  child: ChildProcess;
  /** SIGKILLs it (by its pid) and waits until it is gone. */
  stop(): Promise<void>;
  /** Everything it printed on stdout so far. */
  output(): string;
}

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
});

/** Starts `file args` in `netns`; resolves once it printed `ready` on stdout (or at once if `ready` is false). */
export function startInNetns(
  netns: string,
  file: string,
  args: string[],
  waitReady = true,
): Promise<NetnsProcess> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn('nsenter', [`--net=${netns}`, '--', file, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  started.add(child);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      process.kill(child.pid!, 'SIGKILL');
    }).then(() => void started.delete(child));
  let out = '';
  const output = () => out;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} in ${netns} exited (${code}): ${err}`)));
    if (!waitReady) return resolve({ child, stop, output });
    child.stdout!.on('data', () => {
      if (out.includes('ready')) resolve({ child, stop, output });
    });
  });
}

/** A Node UDP server on `port` in `netns` that answers every datagram with `pong:<datagram>`. */
export function udpEchoInNetns(netns: string, port: number): Promise<NetnsProcess> {
  const script = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('pong:'+m,r.port,r.address));s.bind(${port},'0.0.0.0',()=>console.log('ready'))`;
  return startInNetns(netns, process.execPath, ['-e', script]);
}

/** A Node TCP server on `port` in `netns` that writes `hello from <tag>` and closes. */
export function tcpHelloInNetns(netns: string, port: number, tag: string): Promise<NetnsProcess> {
  const script = `require('net').createServer(c=>c.end('hello from ${tag}')).listen(${port},'0.0.0.0',()=>console.log('ready'))`;
  return startInNetns(netns, process.execPath, ['-e', script]);
}

/** Connects to host:port over TCP and returns what the server sent, or the error code (ECONNREFUSED, ...). */
export function tcpFetch(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const c = connect({ host, port });
    let data = '';
    const timer = setTimeout(() => {
      c.destroy();
      resolve('TIMEOUT');
    }, timeoutMs);
    c.on('data', (d) => (data += d.toString()));
    c.on('end', () => {
      clearTimeout(timer);
      resolve(data);
    });
    c.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? 'ERROR');
    });
  });
}

/** Sends one UDP datagram to host:port and returns the answer, or TIMEOUT (a few tries). */
export async function udpAsk(host: string, port: number, message: string, tries = 3): Promise<string> {
  for (let i = 0; i < tries; i++) {
    const got = await new Promise<string>((resolve) => {
      const s = createSocket('udp4');
      const timer = setTimeout(() => {
        s.close();
        resolve('TIMEOUT');
      }, 1500);
      s.on('message', (m) => {
        clearTimeout(timer);
        s.close();
        resolve(m.toString());
      });
      s.on('error', () => undefined);
      s.send(message, port, host);
    });
    if (got !== 'TIMEOUT') return got;
  }
  return 'TIMEOUT';
}

/** The answer to a DNS question asked from inside a namespace: the rcode and the answers' data. */
export interface DnsAnswer {
  /** Response code, or -1 when nothing came back. */
  rcode: number;
  /** Answer data (addresses, names). */
  answers: string[];
}

const MESSAGE_MODULE = new URL('../../../src/network/dns/message.js', import.meta.url).href;

/** Asks `server`:53 for `name` from inside `netns` (a Node client run there with nsenter), over UDP or TCP. */
export async function dnsAskInNetns(
  netns: string,
  server: string,
  name: string,
  type: 'A' | 'AAAA' | 'PTR' = 'A',
  transport: 'udp' | 'tcp' = 'udp',
): Promise<DnsAnswer> {
  const script = `
import { encodeMessage, decodeMessage, TYPE } from ${JSON.stringify(MESSAGE_MODULE)};
const q = encodeMessage({ id: 4242, flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 },
  questions: [{ name: ${JSON.stringify(name)}, type: TYPE.${type}, class: 1 }], answers: [], authorities: [], additionals: [] });
const print = (b) => { const m = b ? decodeMessage(b) : undefined;
  console.log(JSON.stringify(m ? { rcode: m.flags.rcode, answers: m.answers.map((a) => String(a.data)) } : { rcode: -1, answers: [] })); process.exit(0); };
setTimeout(() => print(undefined), 4000);
if (${JSON.stringify(transport)} === 'udp') {
  const dgram = await import('node:dgram'); const s = dgram.createSocket('udp4');
  s.on('message', (m) => print(m)); s.send(q, 53, ${JSON.stringify(server)});
} else {
  const net = await import('node:net'); const c = net.connect(53, ${JSON.stringify(server)});
  let buf = Buffer.alloc(0); const len = Buffer.alloc(2); len.writeUInt16BE(q.length);
  c.on('connect', () => c.write(Buffer.concat([len, q])));
  c.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 + buf.readUInt16BE(0)) print(buf.subarray(2)); });
  c.on('error', () => print(undefined));
}`;
  const p = await startInNetns(netns, process.execPath, ['--input-type=module', '-e', script], false);
  await new Promise((r) => (p.child.exitCode !== null ? r(undefined) : p.child.once('exit', r)));
  return JSON.parse(p.output().trim() || '{"rcode":-1,"answers":[]}') as DnsAnswer;
}

/**
 * A stand-in for a resolver (UDP and TCP) on 127.0.0.1 and a free port, or where `at` says (a container's
 * --dns server is asked on port 53): answers `records` (name → IPv4), NXDOMAIN else.
 */
export async function fakeUpstream(
  records: Record<string, string>,
  at: { address: string; port: number } = { address: '127.0.0.1', port: 0 },
): Promise<{ port: number; asked: string[]; close(): Promise<void> }> {
  const { decodeMessage, encodeMessage, RCODE } = await import('../../../src/network/dns/message.js');
  const asked: string[] = [];
  const answer = (query: Buffer): Buffer => {
    const m = decodeMessage(query);
    const name = m.questions[0]?.name ?? '';
    asked.push(name);
    const ip = records[name.toLowerCase()];
    return encodeMessage({
      ...m,
      flags: { ...m.flags, qr: true, ra: true, rcode: ip ? RCODE.NOERROR : RCODE.NXDOMAIN },
      answers: ip ? [{ name, type: 1, class: 1, ttl: 30, data: ip }] : [],
      additionals: [],
    });
  };
  const udp = createSocket('udp4');
  udp.on('message', (m, r) => udp.send(answer(m), r.port, r.address));
  await new Promise<void>((r) => udp.bind(at.port, at.address, r));
  const port = udp.address().port;
  const { createServer } = await import('node:net');
  const tcp = createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const a = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(a.length);
        c.end(Buffer.concat([len, a]));
      }
    });
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => tcp.listen(port, at.address, r));
  return {
    port,
    asked,
    close: () =>
      Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]).then(() => undefined),
  };
}
