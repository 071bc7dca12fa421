// What one network's DNS server answers (pure but for the forwarding callback, unit-tested):
//
//   from outside the network's subnet              REFUSED (other networks must not learn its names)
//   not a standard query                           NOTIMP
//   not exactly one question, or undecodable       FORMERR
//   A of a name of the network                     its addresses, authoritative, TTL 600 (dockerd's)
//   AAAA or another type of such a name            NOERROR with no answers (the name exists; IPv4 only)
//   PTR of an address of the network               `<name>.<network>`
//   PTR of an unknown address inside the subnet    NXDOMAIN (nobody else can know it)
//   anything else                                  forwarded upstream; SERVFAIL when no upstream answers
//
// UDP answers longer than 512 bytes (RFC 1035 4.2.1; Berth does not speak EDNS) are cut to the header
// and question with TC set, so the resolver asks again over TCP.
import { cidrContains, parseCidr, parseIPv4 } from '../ipam/ipv4.js';
import {
  CLASS_IN,
  decodeHeader,
  decodeMessage,
  encodeMessage,
  RCODE,
  TYPE,
  type DnsMessage,
  type ResourceRecord,
} from './message.js';
import { addressOfReverseName, type NameTable } from './names.js';

/** dockerd's TTL for container names. */
export const NAME_TTL = 600;
/** The largest UDP answer without EDNS. */
const UDP_LIMIT = 512;

/** Everything an answer depends on. */
export interface AnswerContext {
  /** The network's names. */
  table: NameTable;
  /** The network's subnet (CIDR text): queries from elsewhere are refused. */
  subnet: string;
  /**
   * Forwards a query it cannot answer over the same transport, for the client at `source` (whose own DNS
   * servers may be the upstreams); undefined when no upstream answered.
   */
  forward: (query: Buffer, transport: 'udp' | 'tcp', source: string) => Promise<Buffer | undefined>;
}

/** The answer to one query from `source` (an IPv4 address); undefined means "drop it". */
export async function answerQuery(
  query: Buffer,
  source: string,
  ctx: AnswerContext,
  transport: 'udp' | 'tcp',
): Promise<Buffer | undefined> {
  const subnet = parseCidr(ctx.subnet);
  const src = parseIPv4(source.replace(/^::ffff:/, ''));
  const header = decodeHeader(query);
  if (!header || header.qr) return undefined; // a response sent to us: never answer those (no reflection loops)
  if (!subnet || src === undefined || !cidrContains(subnet, src))
    return encodeMessage(reply({ ...header, questions: [] }, RCODE.REFUSED));
  let msg: DnsMessage;
  try {
    msg = decodeMessage(query);
  } catch {
    return encodeMessage(reply({ ...header, questions: [] }, RCODE.FORMERR));
  }
  if (msg.flags.opcode !== 0) return encodeMessage(reply(msg, RCODE.NOTIMP));
  const q = msg.questions[0];
  if (msg.questions.length !== 1 || !q) return encodeMessage(reply(msg, RCODE.FORMERR));
  if (q.class === CLASS_IN) {
    const local = localAnswer(msg, ctx, subnet);
    if (local) return fit(encodeMessage(local), local, transport);
  }
  const forwarded = await ctx.forward(query, transport, source.replace(/^::ffff:/, ''));
  if (forwarded) return forwarded;
  return encodeMessage(reply(msg, RCODE.SERVFAIL));
}

/** The answer from the network's own names, or undefined when the question is not about them. */
function localAnswer(
  msg: DnsMessage,
  ctx: AnswerContext,
  subnet: NonNullable<ReturnType<typeof parseCidr>>,
): DnsMessage | undefined {
  const q = msg.questions[0]!;
  if (q.type === TYPE.PTR) {
    const ip = addressOfReverseName(q.name);
    if (ip === undefined) return undefined;
    const name = ctx.table.reverse(ip);
    if (name) return reply(msg, RCODE.NOERROR, [record(q.name, TYPE.PTR, name)]);
    const n = parseIPv4(ip);
    return n !== undefined && cidrContains(subnet, n) ? reply(msg, RCODE.NXDOMAIN) : undefined;
  }
  const ips = ctx.table.lookup(q.name);
  if (!ips) return undefined;
  if (q.type === TYPE.A || q.type === TYPE.ANY)
    return reply(
      msg,
      RCODE.NOERROR,
      ips.map((ip) => record(q.name, TYPE.A, ip)),
    );
  return reply(msg, RCODE.NOERROR);
}

function record(name: string, type: number, data: string): ResourceRecord {
  return { name, type, class: CLASS_IN, ttl: NAME_TTL, data };
}

/** A response to `msg`: same ID and question, RD copied, RA set, AA when we answer for our names. */
function reply(
  msg: Pick<DnsMessage, 'id' | 'flags' | 'questions'>,
  rcode: number,
  answers: ResourceRecord[] = [],
): DnsMessage {
  const authoritative = rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN;
  return {
    id: msg.id,
    flags: {
      qr: true,
      opcode: msg.flags.opcode,
      aa: authoritative,
      tc: false,
      rd: msg.flags.rd,
      ra: true,
      rcode,
    },
    questions: msg.questions,
    answers,
    authorities: [],
    additionals: [],
  };
}

function fit(encoded: Buffer, msg: DnsMessage, transport: 'udp' | 'tcp'): Buffer {
  if (transport === 'tcp' || encoded.length <= UDP_LIMIT) return encoded;
  return encodeMessage({ ...msg, flags: { ...msg.flags, tc: true }, answers: [] });
}
