// How an RPC file plugs into the server: a unary handler is an async function of the request, a
// server-streaming one writes to its call. Errors thrown are translated by errors.ts, never here.
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { CriContext } from './context.js';

/** A unary RPC: request in, response out. */
export type UnaryHandler<Req = never, Res = unknown> = (req: Req, ctx: CriContext) => Promise<Res>;

/** A server-streaming RPC: writes responses to `call` until it ends or is cancelled. */
export type StreamHandler<Req = never, Res = unknown> = (
  req: Req,
  ctx: CriContext,
  call: ServerWritableStream<Req, Res>,
) => Promise<void>;

/** One method of a CRI service as the server table lists it. */
export type Rpc =
  | { kind: 'unary'; handle: UnaryHandler<never, unknown> }
  | { kind: 'stream'; handle: StreamHandler<never, unknown> }
  | { kind: 'unimplemented'; why: string };

/** A unary RPC table entry. */
export function unary<Req, Res>(handle: UnaryHandler<Req, Res>): Rpc {
  return { kind: 'unary', handle: handle as UnaryHandler<never, unknown> };
}

/** A server-streaming RPC table entry. */
export function serverStream<Req, Res>(handle: StreamHandler<Req, Res>): Rpc {
  return { kind: 'stream', handle: handle as unknown as StreamHandler<never, unknown> };
}

/** A method Berth answers with UNIMPLEMENTED, and the reason it gives. */
export function notServed(why: string): Rpc {
  return { kind: 'unimplemented', why };
}
