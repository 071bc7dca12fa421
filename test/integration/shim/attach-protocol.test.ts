// The attach socket against clients that break the protocol (PROTOCOL.md "Attach socket"): unknown
// kinds, reserved bytes, oversized control payloads, random bytes, truncated frames, too many
// connections. The shim answers what it can, closes the offender, and the container and its log go on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeFrame, FrameDecoder, Kind } from '../../../src/daemon/shim-client/protocol.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import { alive, parseCri, ShimTest, until } from './harness.js';

/** Sends raw bytes on a new connection; resolves with the frames received until the shim closes it. */
async function exchange(
  path: string,
  bytes: Buffer,
  closeAfterMs?: number,
): Promise<{ kind: number; text: string }[]> {
  const sock: Socket = connect(path);
  await new Promise((r) => sock.once('connect', r));
  const decoder = new FrameDecoder();
  const frames: { kind: number; text: string }[] = [];
  sock.on('data', (b: Buffer) =>
    frames.push(...decoder.push(b).map((f) => ({ kind: f.kind, text: f.payload.toString() }))),
  );
  sock.on('error', () => undefined);
  sock.write(bytes);
  if (closeAfterMs !== undefined) setTimeout(() => sock.end(), closeAfterMs);
  await new Promise((r) => sock.once('close', r));
  return frames;
}

const PROTOCOL_ERROR =
  'protocol: unknown frame kind, non-zero reserved bytes or an oversized control payload';

describe('attach socket protocol errors', { skip: skipUnlessRoot, timeout: 120_000 }, () => {
  let t: ShimTest;
  before(() => {
    t = new ShimTest();
  });
  after(async () => {
    await t.cleanup();
  });

  test('bad frames get one error reply and a closed connection; the shim and container go on', async () => {
    const id = await t.run(
      ['/bin/sh', '-c', 'i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.05; done'],
      {
        log: 'cri',
        stdin: true,
      },
    );
    const sock = join(t.manager.root, id, 'attach.sock');
    const shimPid = (await t.manager.state(id)).record.shimPid;

    const unknown = await exchange(sock, encodeFrame(99));
    assert.deepEqual(unknown, [{ kind: Kind.REPLY, text: PROTOCOL_ERROR }]);
    const reserved = Buffer.from(encodeFrame(Kind.WAIT));
    reserved[2] = 1;
    assert.deepEqual(await exchange(sock, reserved), [{ kind: Kind.REPLY, text: PROTOCOL_ERROR }]);
    assert.deepEqual(await exchange(sock, encodeFrame(Kind.RESIZE, Buffer.alloc(17))), [
      { kind: Kind.REPLY, text: PROTOCOL_ERROR },
    ]);
    // Well-framed but wrong payloads are answered, and the connection stays usable.
    const replies = await exchange(
      sock,
      Buffer.concat([
        encodeFrame(Kind.ATTACH, Buffer.from([8])),
        encodeFrame(Kind.SIGNAL, Buffer.from([0, 0, 1, 0])),
        encodeFrame(Kind.RESIZE, Buffer.from([0, 1])),
        encodeFrame(Kind.SIGNAL, Buffer.from([0, 0, 0, 0])),
      ]),
      300,
    );
    assert.deepEqual(replies, [
      {
        kind: Kind.REPLY,
        text: 'attach: the payload must be one byte of flags (1 stdin, 2 stdout, 4 stderr)',
      },
      { kind: Kind.REPLY, text: 'signal: 256 is not a signal number' },
      { kind: Kind.REPLY, text: 'resize: the payload must be rows and columns, two big-endian u16' },
      { kind: Kind.REPLY, text: '' },
    ]);
    // Random bytes, a frame cut short, a STDIN frame announcing more than ever comes.
    for (let i = 0; i < 20; i++) await exchange(sock, randomBytes(1 + ((i * 37) % 300)), 50);
    await exchange(sock, encodeFrame(Kind.ATTACH, Buffer.from([2])).subarray(0, 5), 50);
    await exchange(sock, Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]), 50);
    // More connections than the shim takes at once: the extra ones are closed, the others still work.
    const many: Socket[] = [];
    for (let i = 0; i < 80; i++) many.push(connect(sock).on('error', () => undefined));
    // Each ends connected, refused (a full backlog says EAGAIN) or closed by the shim; none may hang.
    await Promise.all(
      many.map(
        (s) =>
          new Promise((r) =>
            s.connecting ? s.once('connect', r).once('error', r).once('close', r) : r(null),
          ),
      ),
    );
    await t.manager.signal(id, 0).catch(() => undefined); // may be refused while the slots are full
    for (const s of many) s.destroy();

    assert.ok(alive(shimPid), 'the shim survived');
    const before = parseCri(t.log(id)).length;
    await until('the log to grow', () => parseCri(t.log(id)).length > before + 3);
    await t.manager.signal(id, 0);
    const p = await t.manager.attach(id, { stdout: true });
    let got = '';
    p.on('stdout', (b: Buffer) => (got += b.toString()));
    await until('output on a new attacher', () => /line \d+\n/.test(got));
    p.close();
    await t.manager.signal(id, 'SIGKILL');
    assert.equal((await t.manager.wait(id)).signal, 9);
    const lines = parseCri(t.log(id)).map((r) => r.content);
    assert.deepEqual(
      lines,
      lines.map((_, i) => `line ${i}`),
      'the log has every line, in order',
    );
  });
});
