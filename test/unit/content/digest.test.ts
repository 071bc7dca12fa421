// Digest parsing and hashing (OCI image-spec descriptor.md "Digests").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Digester, digestOf, isDigest, parseDigest } from '../../../src/content/index.js';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('digestOf and Digester agree with the well-known empty digest', () => {
  assert.equal(digestOf(''), EMPTY_SHA256);
  const d = new Digester();
  assert.equal(d.digest(), EMPTY_SHA256);
  d.update(Buffer.from('a'));
  assert.equal(d.digest(), digestOf('a'));
  assert.equal(d.digest(), digestOf('a'), 'digest() does not consume the state');
  d.update(Buffer.from('b'));
  assert.equal(d.digest(), digestOf('ab'));
  d.reset();
  assert.equal(d.digest(), EMPTY_SHA256);
  assert.match(digestOf('', 'sha512'), /^sha512:[0-9a-f]{128}$/);
});

test('parseDigest accepts sha256 and sha512 and names the field in its errors', () => {
  assert.deepEqual(parseDigest(EMPTY_SHA256), { algorithm: 'sha256', hex: EMPTY_SHA256.slice(7) });
  assert.equal(isDigest(digestOf('x', 'sha512')), true);
  const upper = 'sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';
  const cases: [string, string][] = [
    ['sha256', 'digest "sha256": unsupported algorithm (want "sha256:" or "sha512:")'],
    ['md5:abcd', 'digest "md5:abcd": unsupported algorithm (want "sha256:" or "sha512:")'],
    ['sha256:abc', 'digest "sha256:abc": want 64 lowercase hex digits'],
    [upper, `digest "${upper}": want 64 lowercase hex digits`],
    [`sha512:${'a'.repeat(64)}`, `digest "sha512:${'a'.repeat(64)}": want 128 lowercase hex digits`],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseDigest(input), { code: 'InvalidArgument', message });
    assert.equal(isDigest(input), false);
  }
  assert.throws(() => parseDigest('x', 'config digest'), {
    message: 'config digest "x": unsupported algorithm (want "sha256:" or "sha512:")',
  });
});
