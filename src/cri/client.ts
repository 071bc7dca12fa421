// A small CRI client over grpc-js, for `berth cri` and the tests: the same proto and decoding options as
// the server, promise-returning calls, and streams collected into arrays.
import * as grpc from '@grpc/grpc-js';
import { BerthError } from '../base/errors.js';
import { loadCriServices } from './proto.js';

/** A CRI call's failure: the gRPC status code and its details. */
export class CriCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${method}: ${grpc.status[code] ?? code}: ${details}`);
    this.name = 'CriCallError';
  }
}

type Service = 'runtime' | 'image';

/** A connection to one CRI socket. */
export class CriClient {
  private readonly clients: Record<Service, grpc.Client>;

  constructor(readonly socket: string) {
    const services = loadCriServices();
    const target = `unix://${socket}`;
    const creds = grpc.credentials.createInsecure();
    this.clients = {
      runtime: new services.runtime(target, creds),
      image: new services.image(target, creds),
    };
  }

  /** A unary call of RuntimeService (`runtime`) or ImageService (`image`). */
  call<Res = Record<string, unknown>>(
    service: Service,
    method: string,
    req: object = {},
    timeoutMs = 60_000,
  ): Promise<Res> {
    const client = this.clients[service] as unknown as Record<string, unknown>;
    const fn = client[method];
    if (typeof fn !== 'function') throw new BerthError('InvalidArgument', `cri: no method "${method}"`);
    return new Promise<Res>((resolve, reject) => {
      (
        fn as (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Res) => void) => void
      ).call(client, req, { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(new CriCallError(method, err.code, err.details)) : resolve(res),
      );
    });
  }

  /** Opens a server stream; the caller reads `data` events and cancels it. */
  stream(
    service: Service,
    method: string,
    req: object = {},
  ): grpc.ClientReadableStream<Record<string, unknown>> {
    const client = this.clients[service] as unknown as Record<string, unknown>;
    const fn = client[method];
    if (typeof fn !== 'function') throw new BerthError('InvalidArgument', `cri: no method "${method}"`);
    return (fn as (r: object) => grpc.ClientReadableStream<Record<string, unknown>>).call(client, req);
  }

  /** Collects every response of a server stream that ends by itself. */
  collect(service: Service, method: string, req: object = {}): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    const s = this.stream(service, method, req);
    return new Promise((resolve, reject) => {
      s.on('data', (d: Record<string, unknown>) => out.push(d));
      s.on('error', (e: grpc.ServiceError) => reject(new CriCallError(method, e.code, e.details)));
      s.on('end', () => resolve(out));
    });
  }

  /** Closes the channels. */
  close(): void {
    this.clients.runtime.close();
    this.clients.image.close();
  }
}
