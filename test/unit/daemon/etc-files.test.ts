import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hostsFile,
  parseExtraHost,
  parseResolvConf,
  resolvConfFile,
} from '../../../src/daemon/services/containers/etc-files.js';
import { Demuxer, frame, STDERR, STDOUT } from '../../../src/dockerapi/stdcopy.js';

test('hosts: defaults, own names, extra hosts', () => {
  const text = hostsFile({
    hostname: 'abc',
    domainname: 'example',
    ips: ['172.17.0.2'],
    aliases: ['web'],
    extraHosts: [parseExtraHost('db:10.0.0.5'), parseExtraHost('gw:host-gateway', '172.17.0.1')],
  });
  assert.match(text, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(text, /\n172\.17\.0\.2\tabc\.example abc web\n10\.0\.0\.5\tdb\n172\.17\.0\.1\tgw\n$/);
  assert.throws(() => parseExtraHost('nocolon'), /invalid extra host entry/);
  assert.throws(() => parseExtraHost('x:host-gateway'), /unable to derive the IP value for host-gateway/);
});

test('resolv.conf: loopback servers dropped in a netns, flags win, embedded DNS replaces', () => {
  const host = parseResolvConf(
    '# generated\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch corp.example\noptions ndots:2\n',
  );
  assert.equal(
    resolvConfFile(host, { hostNetwork: false }),
    'nameserver 10.1.1.1\nsearch corp.example\noptions ndots:2\n',
  );
  assert.equal(
    resolvConfFile(host, { hostNetwork: true }),
    'nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch corp.example\noptions ndots:2\n',
  );
  assert.equal(
    resolvConfFile(host, {
      hostNetwork: false,
      dns: ['9.9.9.9'],
      dnsSearch: ['a.b'],
      dnsOptions: ['rotate'],
    }),
    'nameserver 9.9.9.9\nsearch a.b\noptions rotate\n',
  );
  assert.equal(
    resolvConfFile(host, { hostNetwork: false, embedded: '10.88.0.1' }).split('\n')[0],
    'nameserver 10.88.0.1',
  );
});

test('stdcopy frames survive being cut anywhere', () => {
  const bytes = Buffer.concat([
    frame(STDOUT, Buffer.from('hello\n')),
    frame(STDERR, Buffer.from('oops')),
    frame(STDOUT, Buffer.alloc(0)),
  ]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const d = new Demuxer();
    const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
    assert.deepEqual(
      got.map((f) => [f.stream, f.payload.toString()]),
      [
        [1, 'hello\n'],
        [2, 'oops'],
        [1, ''],
      ],
    );
    assert.equal(d.leftover, 0);
  }
});
