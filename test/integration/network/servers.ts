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
