// The reference grammar of distribution/reference (docker's), as regular expressions. docker's
// regexp.go is the source; each piece keeps its name there:
//
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain '/'] remote-name
//   domain           := host [':' port-number]
//   host             := domain-name | IPv4address | \[ IPv6address \]
//   domain-name      := domain-component ['.' domain-component]*
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   port-number      := /[0-9]+/
//   remote-name      := path-component ['/' path-component]*
//   path-component   := alpha-numeric [separator alpha-numeric]*
//   alpha-numeric    := /[a-z0-9]+/
//   separator        := /[_.]|__|[-]+/
//   tag              := /[\w][\w.-]{0,127}/
//   digest           := algorithm ":" hex, algorithm := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/,
//                       hex := /[0-9a-fA-F]{32,}/

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const name = `(?:${domainAndPort}/)?${remoteName}`;

/** A whole reference: captures name, tag, digest (docker's ReferenceRegexp). */
export const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

/** A name split into its domain and remote name (docker's anchoredNameRegexp). */
export const NAME = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);

/** A tag on its own (docker's anchoredTagRegexp). */
export const TAG = new RegExp(`^${tag}$`);

/** A full image ID: refused as a repository name (docker's anchoredIdentifierRegexp). */
export const IDENTIFIER = /^[a-f0-9]{64}$/;

/** A domain with an optional port (docker's anchoredDomainRegexp). */
export const DOMAIN = new RegExp(`^${domainAndPort}$`);

/** Longest allowed name (domain/remote-name), docker's NameTotalLengthMax. */
export const NAME_TOTAL_LENGTH_MAX = 255;
