// api/cri/v1/api.proto is our own text of CRI v1; on the wire it must be the upstream definition exactly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/base/package-root.js';
import { describeProtoFile, describeProtoText, descriptorDifferences } from './descriptor.js';

const ours = join(packageRoot(), 'api', 'cri', 'v1', 'api.proto');
const upstream = join(packageRoot(), '..', 'shared', 'specs', 'cri', 'api.proto');

test('api/cri/v1/api.proto has the descriptor set of the CRI v1 spec', () => {
  const a = describeProtoFile(upstream);
  const b = describeProtoFile(ours);
  assert.ok(a.length > 700, `the spec describes ${a.length} definitions: too few to be CRI v1`);
  assert.deepEqual(descriptorDifferences(a, b), []);
  assert.ok(
    b.includes(
      'rpc .runtime.v1.RuntimeService.GetContainerEvents(.runtime.v1.GetEventsRequest) returns (stream .runtime.v1.ContainerEventResponse)',
    ),
  );
});

test('the comparison names a changed number, type, label, streaming flag or enum value', () => {
  const text = readFileSync(ours, 'utf8');
  const base = describeProtoText(text);
  const edits: [string, string, RegExp][] = [
    ['string runtime_name = 2;', 'string runtime_name = 12;', /VersionResponse\.runtime_name = 12/],
    ['string runtime_name = 2;', 'bytes runtime_name = 2;', /runtime_name = 2: bytes/],
    ['repeated string servers = 1;', 'string servers = 1;', /DNSConfig\.servers = 1: string/],
    ['returns (stream ContainerEventResponse)', 'returns (ContainerEventResponse)', /GetContainerEvents/],
    ['SCTP = 2;', 'SCTP = 3;', /Protocol\.SCTP = 3/],
  ];
  for (const [from, to, expect] of edits) {
    assert.ok(text.includes(from), `the proto has "${from}"`);
    const diff = descriptorDifferences(base, describeProtoText(text.replace(from, to)));
    assert.ok(
      diff.some((l) => l.startsWith('+') && expect.test(l)),
      `"${to}" shows: ${diff.join('; ')}`,
    );
  }
});
