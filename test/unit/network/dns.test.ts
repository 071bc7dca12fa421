// DNS wire format (RFC 1035) and the answers a network's server gives, without sockets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  NameTable,
  RCODE,
  TYPE,
  addressOfReverseName,
  answerQuery,
  decodeMessage,
  encodeMessage,
  nameserversOf,
  upstreamsFromResolvConf,
  type AnswerContext,
  type DnsMessage,
} from '../../../src/network/dns/index.js';

// dig's query for "example.com" A, id 0x1234, RD set (the classic RFC 1035 layout, no EDNS).
const EXAMPLE_QUERY = Buffer.from(
  '1234 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001'.replace(/ /g, ''),
  'hex',
);

function query(name: string, type: number = TYPE.A, id = 7): Buffer {
  return encodeMessage({
    id,
    flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 },
    questions: [{ name, type, class: 1 }],
    answers: [],
    authorities: [],
    additionals: [],
  });
}

describe('dns messages', () => {
  test('a query decodes from its bytes and encodes back to the same bytes', () => {
    const msg = decodeMessage(EXAMPLE_QUERY);
    assert.equal(msg.id, 0x1234);
    assert.equal(msg.flags.rd, true);
    assert.equal(msg.flags.qr, false);
    assert.deepEqual(msg.questions, [{ name: 'example.com', type: TYPE.A, class: 1 }]);
    assert.deepEqual(encodeMessage(msg), EXAMPLE_QUERY);
  });

  test('answers compress names against the question and round-trip A, AAAA and PTR data', () => {
    const msg: DnsMessage = {
      id: 1,
      flags: { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: 0 },
      questions: [{ name: 'web.example', type: TYPE.A, class: 1 }],
      answers: [
        { name: 'web.example', type: TYPE.A, class: 1, ttl: 600, data: '10.1.2.3' },
        { name: 'web.example', type: TYPE.AAAA, class: 1, ttl: 600, data: '2001:db8::1' },
        { name: '3.2.1.10.in-addr.arpa', type: TYPE.PTR, class: 1, ttl: 600, data: 'web.example' },
      ],
      authorities: [],
      additionals: [],
    };
    const bytes = encodeMessage(msg);
    // The first answer's name is a pointer to offset 12, where the question's name starts.
    const firstAnswer = 12 + 'web.example'.length + 2 + 4;
    assert.equal(bytes.readUInt16BE(firstAnswer), 0xc00c);
    assert.deepEqual(decodeMessage(bytes), msg);
    const fe = encodeMessage({ ...msg, answers: [{ ...msg.answers[1]!, data: 'fe80::1:0:0:2' }] });
    assert.equal(decodeMessage(fe).answers[0]!.data, 'fe80::1:0:0:2');
  });

  test('malformed messages are refused: short, truncated labels, pointer loops', () => {
    assert.throws(() => decodeMessage(Buffer.alloc(5)), { name: 'DnsFormatError' });
    assert.throws(() => decodeMessage(EXAMPLE_QUERY.subarray(0, 20)), { name: 'DnsFormatError' });
    const loop = Buffer.concat([EXAMPLE_QUERY.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    assert.throws(() => decodeMessage(loop), { message: 'name pointer points forward' });
  });

  test('reverse names', () => {
    assert.equal(addressOfReverseName('4.3.2.10.in-addr.arpa'), '10.2.3.4');
    assert.equal(addressOfReverseName('4.3.2.10.IN-ADDR.ARPA.'), '10.2.3.4');
    assert.equal(addressOfReverseName('3.2.10.in-addr.arpa'), undefined);
    assert.equal(addressOfReverseName('4.3.2.300.in-addr.arpa'), undefined);
  });
});

describe('a network server answers', () => {
  const table = new NameTable('mynet');
  table.register({ endpointId: 'e1', names: ['web', 'Frontend', 'abc123def456'], ipv4: '10.5.0.2' });
  table.register({ endpointId: 'e2', names: ['api', 'frontend'], ipv4: '10.5.0.3' });
  const forwarded: Buffer[] = [];
  let upstreamAnswer: Buffer | undefined;
  const ctx: AnswerContext = {
    table,
    subnet: '10.5.0.0/24',
    forward: async (q) => {
      forwarded.push(q);
      return upstreamAnswer;
    },
  };
  const ask = async (
    name: string,
    type: number = TYPE.A,
    from = '10.5.0.9',
    transport: 'udp' | 'tcp' = 'udp',
  ) => decodeMessage((await answerQuery(query(name, type), from, ctx, transport))!);

  test('its names, case-insensitively, with and without the network suffix, authoritative, TTL 600', async () => {
    const r = await ask('WEB');
    assert.equal(r.flags.rcode, RCODE.NOERROR);
    assert.equal(r.flags.aa, true);
    assert.equal(r.flags.qr, true);
    assert.equal(r.id, 7);
    assert.deepEqual(
      r.answers.map((a) => [a.name, a.data, a.ttl]),
      [['WEB', '10.5.0.2', 600]],
    );
    assert.deepEqual(
      (await ask('web.mynet.')).answers.map((a) => a.data),
      ['10.5.0.2'],
    );
    assert.deepEqual(
      (await ask('abc123def456')).answers.map((a) => a.data),
      ['10.5.0.2'],
    );
    // An alias shared by two containers answers with both.
    assert.deepEqual(
      (await ask('frontend')).answers.map((a) => a.data),
      ['10.5.0.2', '10.5.0.3'],
    );
    assert.equal(forwarded.length, 0);
  });

  test('AAAA of a known name: no data, no error; PTR of its addresses; NXDOMAIN for unknown ones inside', async () => {
    const aaaa = await ask('api', TYPE.AAAA);
    assert.equal(aaaa.flags.rcode, RCODE.NOERROR);
    assert.deepEqual(aaaa.answers, []);
    const ptr = await ask('3.0.5.10.in-addr.arpa', TYPE.PTR);
    assert.deepEqual(
      ptr.answers.map((a) => a.data),
      ['api.mynet'],
    );
    assert.equal((await ask('99.0.5.10.in-addr.arpa', TYPE.PTR)).flags.rcode, RCODE.NXDOMAIN);
    assert.equal(forwarded.length, 0);
  });

  test('other names are forwarded as they came; no answer upstream means SERVFAIL', async () => {
    upstreamAnswer = undefined;
    assert.equal((await ask('example.org')).flags.rcode, RCODE.SERVFAIL);
    assert.deepEqual(forwarded.pop(), query('example.org'));
    await ask('4.3.2.1.in-addr.arpa', TYPE.PTR); // outside the subnet: not ours to answer
    assert.equal(forwarded.length, 1);
    upstreamAnswer = Buffer.from('upstream bytes');
    assert.deepEqual(await answerQuery(query('example.org'), '10.5.0.9', ctx, 'udp'), upstreamAnswer);
    forwarded.length = 0;
  });

  test('queries from outside the subnet are refused, responses dropped, bad ones FORMERR', async () => {
    const refused = await ask('web', TYPE.A, '10.6.0.2');
    assert.equal(refused.flags.rcode, RCODE.REFUSED);
    assert.deepEqual(refused.answers, []);
    const response = encodeMessage({
      ...decodeMessage(query('web')),
      flags: { ...decodeMessage(query('web')).flags, qr: true },
    });
    assert.equal(await answerQuery(response, '10.5.0.9', ctx, 'udp'), undefined);
    const two = decodeMessage(query('web'));
    two.questions.push({ name: 'api', type: TYPE.A, class: 1 });
    const formerr = decodeMessage((await answerQuery(encodeMessage(two), '10.5.0.9', ctx, 'udp'))!);
    assert.equal(formerr.flags.rcode, RCODE.FORMERR);
    const garbage = Buffer.concat([EXAMPLE_QUERY.subarray(0, 12), Buffer.from([0x3f])]);
    assert.equal(
      decodeMessage((await answerQuery(garbage, '10.5.0.9', ctx, 'udp'))!).flags.rcode,
      RCODE.FORMERR,
    );
    assert.equal(forwarded.length, 0);
  });

  test('a UDP answer over 512 bytes is truncated (TC) and complete over TCP', async () => {
    const big = new NameTable('big');
    for (let i = 0; i < 40; i++)
      big.register({ endpointId: `e${i}`, names: ['many'], ipv4: `10.5.0.${i + 10}` });
    const bctx = { ...ctx, table: big };
    const udp = decodeMessage((await answerQuery(query('many'), '10.5.0.9', bctx, 'udp'))!);
    assert.equal(udp.flags.tc, true);
    assert.deepEqual(udp.answers, []);
    const tcp = decodeMessage((await answerQuery(query('many'), '10.5.0.9', bctx, 'tcp'))!);
    assert.equal(tcp.answers.length, 40);
    table.unregister('e2');
    assert.deepEqual(
      (await ask('frontend')).answers.map((a) => a.data),
      ['10.5.0.2'],
    );
  });
});

describe('upstream resolvers', () => {
  test("resolv.conf's nameservers, loopback ones and our own left out; systemd-resolved's list as fallback", () => {
    assert.deepEqual(
      nameserversOf('# c\nnameserver 10.0.0.2\nnameserver  ::1 \nsearch x\nnameserver bad\n'),
      ['10.0.0.2', '::1'],
    );
    const dir = mkdtempSync(join(tmpdir(), 'berth-resolv-'));
    try {
      writeFileSync(join(dir, 'stub'), 'nameserver 127.0.0.53\noptions edns0\n');
      writeFileSync(join(dir, 'real'), 'nameserver 192.0.2.53\nnameserver 10.7.0.1\nnameserver 127.0.0.1\n');
      assert.deepEqual(upstreamsFromResolvConf([join(dir, 'stub'), join(dir, 'real')], ['10.7.0.1']), [
        { address: '192.0.2.53', port: 53 },
      ]);
      assert.deepEqual(upstreamsFromResolvConf([join(dir, 'stub'), join(dir, 'missing')]), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
