// Network namespaces made through the addon: bind-mounted where asked, really new (only a loopback
// device, down), the calling thread back in its own namespace afterwards, and removed without a trace.
import assert from 'node:assert/strict';
import { existsSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createNetns, isNetnsMounted, listNetns, removeNetns } from '../../../src/network/netns.js';
import { inNetns, netnsLinks, nsfsMountsUnder, scratchDir, skipUnlessRoot } from './host.js';

describe('network namespaces', { skip: skipUnlessRoot }, () => {
  const scratch = scratchDir('berth-netns-');
  const dir = join(scratch.path, 'netns');
  after(() => {
    for (const m of nsfsMountsUnder(scratch.path)) removeNetns(m);
    scratch.remove();
  });

  test('a new namespace is mounted at <dir>/<id>, holds only a loopback, and this process stays in its own', async () => {
    const before = readlinkSync('/proc/thread-self/ns/net');
    const path = createNetns(dir, 'c1');
    assert.equal(path, join(dir, 'c1'));
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), before);
    assert.equal(readlinkSync('/proc/self/ns/net'), before);
    assert.ok(isNetnsMounted(path));
    assert.deepEqual(nsfsMountsUnder(dir), [path]);
    // A different namespace: its inode is not ours.
    assert.notEqual(`net:[${statSync(path).ino}]`, before);
    assert.deepEqual(await netnsLinks(path), ['lo']);
    const lo = await inNetns(path, 'ip', ['-o', 'link', 'show', 'lo']);
    assert.match(lo.stdout, /state DOWN/);
    // Sockets opened after the call are still in the host namespace: loopback works as before.
    const server = createServer((s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const got = await new Promise<string>((resolve, reject) => {
      const c = connect(port, '127.0.0.1');
      let data = '';
      c.on('data', (d) => (data += d.toString()));
      c.on('end', () => resolve(data));
      c.on('error', reject);
    });
    server.close();
    assert.equal(got, 'ok');
    assert.deepEqual(listNetns(dir), ['c1']);
    removeNetns(path);
    assert.equal(existsSync(path), false);
    assert.deepEqual(nsfsMountsUnder(dir), []);
    removeNetns(path); // idempotent
  });

  test('an existing path is refused and left as it was; bad ids are refused', () => {
    const path = createNetns(dir, 'c2');
    assert.throws(() => createNetns(dir, 'c2'), {
      code: 'AlreadyExists',
      message: `network namespace "${path}": already exists`,
    });
    assert.ok(isNetnsMounted(path));
    removeNetns(path);
    writeFileSync(join(dir, 'plain'), '');
    assert.throws(() => createNetns(dir, 'plain'), { code: 'AlreadyExists' });
    assert.equal(isNetnsMounted(join(dir, 'plain')), false);
    removeNetns(join(dir, 'plain')); // a leftover empty file goes too
    assert.equal(existsSync(join(dir, 'plain')), false);
    assert.throws(() => createNetns(dir, '../escape'), {
      code: 'InvalidArgument',
      message: 'network namespace id "../escape": invalid',
    });
    assert.deepEqual(nsfsMountsUnder(scratch.path), []);
  });
});
