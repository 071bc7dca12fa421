// `update`'s size parsing, as docker's go-units RAMInBytes that runc uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRamSize } from '../../../../src/runtime/commands/update.js';

test('sizes: plain bytes, binary multiples, fractions, b/ib suffixes', () => {
  assert.equal(parseRamSize('memory', '1024'), 1024);
  assert.equal(parseRamSize('memory', '64m'), 64 << 20);
  assert.equal(parseRamSize('memory', '64MB'), 64 << 20);
  assert.equal(parseRamSize('memory', '2GiB'), 2 ** 31);
  assert.equal(parseRamSize('memory', '1.5k'), 1536);
  assert.equal(parseRamSize('memory', '10 k'), 10240);
  for (const bad of ['', '-5', '12x', 'm', '1..2k'])
    assert.throws(() => parseRamSize('memory-swap', bad), {
      message: `invalid value for memory-swap: invalid size: "${bad}"`,
    });
});
