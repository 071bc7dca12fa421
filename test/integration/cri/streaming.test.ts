// The streaming server as kubelet and crictl use it: Exec, Attach and PortForward answer with a URL, a
// WebSocket client (the `ws` package) speaks the channel protocol there: stdin, stdout, stderr, the v4
// status JSON on the error channel with the exit code, v5's close of stdin; attach to a container's own
// streams; port forwarding to a port bound to 127.0.0.1 inside the pod's netns; a published host port.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import { CriTest, pushBusybox } from './harness.js';

let t: CriTest;
let reg: TestRegistry;
let image: string;
let pod: string;
let podConfig: Record<string, unknown>;
before(async () => {
  if (skipUnlessRoot) return;
  reg = await startRegistry();
  t = await CriTest.start();
  image = await pushBusybox(reg, t.dir);
  await t.client.call('image', 'PullImage', { image: { image } });
  podConfig = t.podConfig('stream');
  pod = await t.runPod(podConfig);
});
after(async () => {
  await t?.cleanup();
  await reg?.stop();
});

const call = <T = Record<string, unknown>>(method: string, req: object = {}): Promise<T> =>
  t.client.call<T>('runtime', method, req);

async function runContainer(name: string, command: string[], extra: object = {}): Promise<string> {
  const { container_id } = await call<{ container_id: string }>('CreateContainer', {
    pod_sandbox_id: pod,
    sandbox_config: podConfig,
    config: { metadata: { name, attempt: 0 }, image: { image }, command, ...extra },
  });
  await call('StartContainer', { container_id });
  return container_id;
}

/** A session: what arrived per channel, and the socket to send on. */
interface Session {
  ws: WebSocket;
  channels: Map<number, Buffer>;
  closed: Promise<void>;
  protocol: string;
}

async function open(url: string, protocols: string[]): Promise<Session> {
  const ws = new WebSocket(url, protocols);
  const channels = new Map<number, Buffer>();
  ws.on('message', (data: Buffer) => {
    const ch = data[0]!;
    channels.set(ch, Buffer.concat([channels.get(ch) ?? Buffer.alloc(0), data.subarray(1)]));
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, channels, closed, protocol: ws.protocol };
}

const text = (s: Session, ch: number): string => s.channels.get(ch)?.toString() ?? '';

test(
  'exec over v5.channel.k8s.io: stdin, its close, stdout, stderr and a non-zero exit',
  { skip: skipUnlessRoot, timeout: 60_000 },
  async () => {
    const id = await runContainer('exec-target', ['sleep', '1000']);
    const { url } = await call<{ url: string }>('Exec', {
      container_id: id,
      cmd: ['sh', '-c', 'read l; echo "got $l"; echo err >&2; exit 2'],
      stdin: true,
      stdout: true,
      stderr: true,
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[\w-]+$/);
    const s = await open(url.replace(/^http/, 'ws'), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    assert.equal(s.protocol, 'v5.channel.k8s.io');
    s.ws.send(Buffer.from('\x00hello\n', 'binary'));
    s.ws.send(Buffer.from([255, 0]));
    await s.closed;
    assert.equal(text(s, 1), 'got hello\n');
    assert.equal(text(s, 2), 'err\n');
    const status = JSON.parse(text(s, 3)) as {
      status: string;
      reason: string;
      details: { causes: { message: string }[] };
    };
    assert.deepEqual(
      [status.status, status.reason, status.details.causes[0]!.message],
      ['Failure', 'NonZeroExitCode', '2'],
    );

    // The URL was for one use.
    await assert.rejects(open(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']), /404/);
    const ok = await call<{ url: string }>('Exec', { container_id: id, cmd: ['hostname'], stdout: true });
    const s2 = await open(ok.url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
    await s2.closed;
    assert.equal(text(s2, 1), 'stream\n');
    assert.deepEqual(JSON.parse(text(s2, 3)), { metadata: {}, status: 'Success' });
    await call('RemoveContainer', { container_id: id });
  },
);

test(
  'attach to a running container: its stdin in, its stdout out',
  { skip: skipUnlessRoot, timeout: 60_000 },
  async () => {
    const id = await runContainer('echoer', ['sh', '-c', 'while read l; do echo "echo:$l"; done'], {
      stdin: true,
    });
    const { url } = await call<{ url: string }>('Attach', { container_id: id, stdin: true, stdout: true });
    const s = await open(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
    s.ws.send(Buffer.from('\x00ping\n', 'binary'));
    for (let i = 0; i < 100 && !text(s, 1).includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(text(s, 1), 'echo:ping\n');
    s.ws.close();
    await s.closed;
    await call('RemoveContainer', { container_id: id });
  },
);

test(
  'port forward reaches 127.0.0.1 inside the pod, and bad requests are refused',
  { skip: skipUnlessRoot, timeout: 60_000 },
  async () => {
    const id = await runContainer('web', [
      'sh',
      '-c',
      'mkdir /www; echo hello-pf > /www/i; exec httpd -f -p 127.0.0.1:8080 -h /www',
    ]);
    // httpd binds after the shell has run; a few tries until it answers.
    let body = '';
    for (let i = 0; i < 40 && !body.includes('hello-pf'); i++) {
      const { url } = await call<{ url: string }>('PortForward', { pod_sandbox_id: pod, port: [8080] });
      const s = await open(`${url.replace(/^http/, 'ws')}?ports=8080`, ['v4.channel.k8s.io']);
      s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /i HTTP/1.0\r\n\r\n')]));
      for (let j = 0; j < 20 && !text(s, 0).includes('hello-pf'); j++)
        await new Promise((r) => setTimeout(r, 50));
      body = text(s, 0);
      s.ws.close();
      await s.closed;
    }
    assert.match(body, /hello-pf/);
    await assert.rejects(
      call('PortForward', { pod_sandbox_id: pod, port: [70000] }),
      /port: 70000 is not a port number/,
    );
    await assert.rejects(
      call('Exec', { container_id: id, cmd: ['true'] }),
      /one of stdin, stdout or stderr must be set/,
    );
    await call('RemoveContainer', { container_id: id });
  },
);

test(
  'a port mapping publishes a pod port on the host (portmap)',
  { skip: skipUnlessRoot, timeout: 60_000 },
  async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const cfg = t.podConfig('published', {
      port_mappings: [{ protocol: 'TCP', container_port: 8080, host_port: free, host_ip: '127.0.0.1' }],
    });
    const published = await t.runPod(cfg);
    const { container_id } = await call<{ container_id: string }>('CreateContainer', {
      pod_sandbox_id: published,
      sandbox_config: cfg,
      config: {
        metadata: { name: 'httpd', attempt: 0 },
        image: { image },
        command: ['sh', '-c', 'mkdir /www; echo published > /www/i; exec httpd -f -p 8080 -h /www'],
      },
    });
    await call('StartContainer', { container_id });
    let body = '';
    for (let i = 0; i < 50 && !body.includes('published'); i++) {
      body = await new Promise<string>((resolve) => {
        const s = connect(free, '127.0.0.1', () => s.write('GET /i HTTP/1.0\r\n\r\n'));
        let got = '';
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(''));
      });
      if (!body.includes('published')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(body, /published/);
    await call('RemovePodSandbox', { pod_sandbox_id: published });
  },
);
