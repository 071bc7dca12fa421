import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, parseConfigFile, parseHost, resolveConfig } from '../../../src/daemon/config.js';

test('defaults: the paths of DESIGN.md and the built-in runtime', () => {
  const c = resolveConfig({}, {});
  assert.deepEqual(c, defaultConfig());
  assert.equal(c.root, '/var/lib/berth');
  assert.deepEqual(c.hosts, ['unix:///run/berth/berth.sock']);
  assert.equal(c.defaultRuntime, 'berth');
});

test("daemon.json keys are dockerd's; flags add to them; debug means the debug level", () => {
  const file = parseConfigFile(
    '{"data-root":"/d","runtimes":{"crun":{"path":"/usr/bin/crun"}},"default-runtime":"crun","debug":true}',
    'f',
  );
  const c = resolveConfig(file, { state: '/s' });
  assert.equal(c.root, '/d');
  assert.equal(c.state, '/s');
  assert.equal(c.defaultRuntime, 'crun');
  assert.equal(c.logLevel, 'debug');
});

test('mistakes are named', () => {
  assert.throws(() => parseConfigFile('[1]', 'f'), { message: 'config file "f": must hold a JSON object' });
  assert.throws(() => parseConfigFile('{"hosts":"unix:///x"}', 'f'), {
    message: 'config file "f": "hosts" must be a list of strings',
  });
  assert.throws(() => resolveConfig({ runtimes: { berth: { path: '/x' } } }, {}), {
    message: 'runtimes: "berth" is the built-in runtime\'s name',
  });
  assert.throws(() => resolveConfig({ logLevel: 'loud' as never }, {}), /log-level: unknown level "loud"/);
});

test('hosts: unix paths and tcp addresses', () => {
  assert.deepEqual(parseHost('unix:///run/b.sock'), { kind: 'unix', path: '/run/b.sock' });
  assert.deepEqual(parseHost('/run/b.sock'), { kind: 'unix', path: '/run/b.sock' });
  assert.deepEqual(parseHost('tcp://127.0.0.1:2375'), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.deepEqual(parseHost('tcp://[::1]:2375'), { kind: 'tcp', host: '::1', port: 2375 });
  assert.throws(() => parseHost('unix://rel.sock'), /the socket path must be absolute/);
  assert.throws(() => parseHost('http://x'), /want unix:\/\/\/path or tcp:\/\/host:port/);
});
