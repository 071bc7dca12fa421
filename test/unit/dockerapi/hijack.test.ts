import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Logger } from '../../../src/base/log.js';
import { Client } from '../../../src/cli/client.js';
import { hijack } from '../../../src/cli/hijack.js';
import { Router } from '../../../src/dockerapi/router.js';
import { createApiServer } from '../../../src/dockerapi/server.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-hijack-'));
const socket = join(dir, 'api.sock');
const router = new Router()
  .add('POST', '/echo', (ctx) => {
    // Upper-cases what it is sent, until the client ends its side.
    const s = ctx.hijack();
    s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase()));
    s.on('end', () => s.end());
  })
  .add('POST', '/greet', (ctx) => {
    // Output only, as exec start writes a command's output.
    const s = ctx.hijack();
    s.write('hi ');
    s.end('there');
  })
  .add('GET', '/plain', (ctx) => ctx.text(200, 'plain'));
const server = createApiServer(router, { version: 'test', experimental: false }, new Logger('error'));
const client = new Client(`unix://${socket}`);

before(() => new Promise<void>((r) => server.listen(socket, r)));
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test('a hijacked connection carries bytes both ways, including what came with the request', async () => {
  const s = await hijack(client, 'POST', '/echo');
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString()));
  s.write('hello ');
  s.end('berth');
  await new Promise((r) => s.on('close', r));
  assert.equal(got, 'HELLO BERTH');
});

test('an upgrade to an ordinary route is an ordinary answer', async () => {
  await assert.rejects(hijack(client, 'GET', '/plain'), { status: 200, message: 'plain' });
  const missing = hijack(client, 'POST', '/nope');
  await assert.rejects(missing, { status: 404, message: 'page not found' });
});

test('without an upgrade, the stream is the body of a 200 (dockerode hijack: false), input ended', async () => {
  const greet = await client.open('POST', '/greet');
  assert.equal(greet.statusCode, 200);
  assert.equal(greet.headers['content-type'], 'application/vnd.docker.raw-stream');
  let body = '';
  for await (const chunk of greet) body += (chunk as Buffer).toString();
  assert.equal(body, 'hi there');
  const echo = await client.open('POST', '/echo');
  assert.equal(echo.statusCode, 200);
  let echoed = '';
  for await (const chunk of echo) echoed += (chunk as Buffer).toString();
  assert.equal(echoed, '', 'nothing reaches the stream without an upgrade, and it ends');
});
