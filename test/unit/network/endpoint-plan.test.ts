// The DNS names an endpoint gets (docker's DNSNames, plus the compose service label).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dnsNamesOf } from '../../../src/network/endpoint-plan.js';

const id = '0123456789abcdef'.repeat(4);

describe('endpoint dns names', () => {
  test('container name, aliases, short ID, hostname; distinct, in that order', () => {
    assert.deepEqual(dnsNamesOf(id, { name: 'web', aliases: ['www', 'web'], hostname: 'h1' }), [
      'web',
      'www',
      '0123456789ab',
      'h1',
    ]);
    assert.deepEqual(dnsNamesOf(id, { name: 'web' }), ['web', '0123456789ab']);
  });

  test("compose's service label is a name too, after the aliases", () => {
    assert.deepEqual(
      dnsNamesOf(id, { name: 'proj-api-1', labels: { 'com.docker.compose.service': 'api' }, aliases: ['x'] }),
      ['proj-api-1', 'x', 'api', '0123456789ab'],
    );
    assert.deepEqual(
      dnsNamesOf(id, {
        name: 'proj-api-1',
        labels: { 'com.docker.compose.service': 'api' },
        aliases: ['api'],
      }),
      ['proj-api-1', 'api', '0123456789ab'],
    );
  });
});
