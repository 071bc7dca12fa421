// `-p` and `--expose` as docker's nat.ParsePortSpecs reads them: `[ip:][hostPort:]containerPort[/proto]`,
// ranges (`8000-8001:80-81`), IPv6 addresses in brackets, and the bindings per container port.
import { BerthError } from '../../base/errors.js';

/** One host binding of a container port. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** Exposed ports and their bindings, keyed `80/tcp`. */
export interface PortSpecs {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, PortBinding[]>;
}

function range(s: string, what: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new BerthError('InvalidArgument', `invalid ${what} port: ${s || spec}`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  if (lo < 0 || hi > 65535 || hi < lo) throw new BerthError('InvalidArgument', `invalid ${what} port: ${s}`);
  return [lo, hi];
}

function splitProto(s: string): [string, string] {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return [s, 'tcp'];
  const proto = s.slice(slash + 1).toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto))
    throw new BerthError('InvalidArgument', `invalid proto: ${proto}`);
  return [s.slice(0, slash), proto];
}

/** Splits `ip:host:container`, keeping `[v6]` addresses whole. */
function splitSpec(spec: string): [string, string, string] {
  let rest = spec;
  let ip = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new BerthError('InvalidArgument', `invalid IP address: ${spec}`);
    ip = rest.slice(1, close);
    rest = rest.slice(close + 1).replace(/^:/, '');
    const [host = '', container = ''] = rest.split(':');
    return [ip, host, container];
  }
  const parts = rest.split(':');
  if (parts.length === 1) return ['', '', parts[0]!];
  if (parts.length === 2) return ['', parts[0]!, parts[1]!];
  if (parts.length === 3) return [parts[0]!, parts[1]!, parts[2]!];
  throw new BerthError('InvalidArgument', `invalid port format for --publish: ${spec}`);
}

/** Adds one `-p` spec to `into`. */
export function addPublish(into: PortSpecs, spec: string): void {
  const [withoutProto, proto] = splitProto(spec);
  const [ip, host, container] = splitSpec(withoutProto);
  if (ip && !/^[\d.]+$|:/.test(ip)) throw new BerthError('InvalidArgument', `invalid IP address: ${ip}`);
  if (!container) throw new BerthError('InvalidArgument', `no port specified: ${spec}<empty>`);
  const [cLo, cHi] = range(container, 'containerPort', spec);
  const [hLo, hHi] = host ? range(host, 'hostPort', spec) : [0, 0];
  if (host && hHi - hLo !== cHi - cLo && hLo !== hHi)
    throw new BerthError(
      'InvalidArgument',
      `invalid ranges specified for container and host Ports: ${container} and ${host}`,
    );
  for (let p = cLo; p <= cHi; p++) {
    const key = `${p}/${proto}`;
    into.exposed[key] = {};
    const hostPort = !host
      ? ''
      : hLo === hHi
        ? cLo === cHi
          ? String(hLo)
          : `${hLo}`
        : String(hLo + (p - cLo));
    (into.bindings[key] ??= []).push({ HostIp: ip, HostPort: hostPort });
  }
}

/** Adds one `--expose` spec (a port or a range, with a proto) to `into`. */
export function addExpose(into: PortSpecs, spec: string): void {
  const [port, proto] = splitProto(spec);
  const [lo, hi] = range(port, 'range format for --expose', spec);
  for (let p = lo; p <= hi; p++) into.exposed[`${p}/${proto}`] = {};
}
