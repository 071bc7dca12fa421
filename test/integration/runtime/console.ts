// Console sockets for tests: a listening AF_UNIX socket that receives the pty master a runtime sends
// (SCM_RIGHTS, runc's protocol), and a reader that drains a master until its slave side is gone.
import { createReadStream } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { native } from '../../../src/base/native.js';

/** Everything read from a pty master until the slave side is gone (EIO). */
export function drain(master: number): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const s = createReadStream('', { fd: master, encoding: 'utf8' });
    s.on('data', (d) => (out += d as string));
    s.on('error', () => resolve(out)); // EIO once the last slave fd is closed
    s.on('close', () => resolve(out));
  });
}

/** A console socket: accepts one runtime connection and receives the pty master it sends. */
export async function consoleSocket(
  dir: string,
): Promise<{ path: string; master: Promise<number>; close(): void }> {
  const path = join(dir, 'console.sock');
  // pauseOnConnect: libuv must not read the connection, or it would swallow the SCM_RIGHTS message.
  const server = createServer({ pauseOnConnect: true });
  const conns: Socket[] = [];
  const master = new Promise<number>((resolve, reject) =>
    server.once('connection', (c) => {
      conns.push(c);
      const fd = (c as unknown as { _handle: { fd: number } })._handle.fd;
      try {
        resolve(native().recvFd(fd));
      } catch (err) {
        reject(err as Error);
      }
    }),
  );
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    master,
    close: () => {
      for (const c of conns) c.destroy();
      server.close();
    },
  };
}
