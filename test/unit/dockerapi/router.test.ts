import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router } from '../../../src/dockerapi/router.js';
import { versionOf } from '../../../src/dockerapi/version.js';

const noop = (): void => undefined;

test('image names keep their slashes and colons; one-segment params stop at a slash', () => {
  const r = new Router().add('GET', '/images/{name*}/json', noop).add('POST', '/containers/{id}/start', noop);
  const m = r.match('GET', '/images/127.0.0.1:5000/team/app:1.0/json');
  assert.ok('params' in m);
  assert.deepEqual(m.params, { name: '127.0.0.1:5000/team/app:1.0' });
  assert.deepEqual(r.match('POST', '/containers/a/b/start'), { allowed: [] });
  assert.deepEqual(r.match('GET', '/containers/abc/start'), { allowed: ['POST'] });
});

test('HEAD falls back to GET; params are URL-decoded', () => {
  const r = new Router().add('GET', '/images/{name*}/json', noop);
  const m = r.match('HEAD', '/images/a%2Fb/json');
  assert.ok('params' in m);
  assert.equal(m.params.name, 'a/b');
});

test('version prefixes', () => {
  assert.deepEqual(versionOf('/v1.41/containers/json'), {
    version: { major: 1, minor: 41, text: '1.41' },
    path: '/containers/json',
  });
  assert.equal(versionOf('/containers/json').version.text, '1.55');
  assert.throws(() => versionOf('/v2.0/x'), /client version 2.0 is too new/);
});
