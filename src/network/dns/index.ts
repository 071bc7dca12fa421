// The DNS side of Berth's networks: a server per user network on its gateway, names of its containers,
// forwarding of the rest to the host's resolvers.
export { answerQuery, NAME_TTL, type AnswerContext } from './answer.js';
export {
  CLASS_IN,
  DnsFormatError,
  RCODE,
  TYPE,
  decodeMessage,
  encodeMessage,
  type DnsMessage,
} from './message.js';
export { NameTable, addressOfReverseName } from './names.js';
export { NetworkDnsServer } from './server.js';
export { DnsService, type DnsServiceOptions } from './service.js';
export { nameserversOf, upstreamsFromResolvConf, type Upstream } from './upstream.js';
