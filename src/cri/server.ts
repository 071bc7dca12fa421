// The CRI v1 gRPC server: runtime.v1.RuntimeService and runtime.v1.ImageService on a unix socket
// (<state>/cri.sock, 0660 root-owned like every API socket, DESIGN.md "Security defaults"). Every method
// of both services is in the tables (rpcs.ts); one that is missing is a startup error, so that a method
// added to the proto cannot silently answer grpc-js's default. A handler's failure is a status, never a
// crash: each call is wrapped here.
import { chmodSync, chownSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BerthError, messageOf, wrap } from '../base/errors.js';
import { removeStaleSocket } from '../base/stale-socket.js';
import type { CriContext } from './context.js';
import { toServiceError, unimplemented } from './errors.js';
import type { Rpc } from './handler.js';
import { loadCriServices } from './proto.js';
import { IMAGE_RPCS, RUNTIME_RPCS } from './rpcs.js';

/** A listening CRI server. */
export interface CriServer {
  /** The socket path. */
  socket: string;
  /** Stops accepting calls, cancels open streams, removes the socket. */
  close(): Promise<void>;
}

/** Serves CRI on `socket` with the services of `ctx`. */
export async function startCriServer(ctx: CriContext, socket: string): Promise<CriServer> {
  const services = loadCriServices();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  server.addService(services.runtime.service, implement(services.runtime.service, RUNTIME_RPCS, ctx));
  server.addService(services.image.service, implement(services.image.service, IMAGE_RPCS, ctx));
  mkdirSync(dirname(socket), { recursive: true, mode: 0o755 });
  await removeStaleSocket(socket).catch((err: unknown) => {
    throw wrap(err, 'cri');
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(new BerthError('Unavailable', `cri: listen on "${socket}": ${err.message}`)) : resolve(),
    ),
  );
  chmodSync(socket, 0o660);
  chownSync(socket, 0, 0);
  ctx.log.info('CRI listen', { socket });
  let closed = false;
  return {
    socket,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      try {
        unlinkSync(socket);
      } catch {
        // already gone
      }
    },
  };
}

/** The implementation object grpc-js wants, from a table; refuses a table that misses a method. */
function implement(
  def: grpc.ServiceDefinition,
  table: Record<string, Rpc>,
  ctx: CriContext,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(def)) {
    const rpc = table[name];
    if (!rpc) throw new BerthError('Internal', `cri: method "${name}" has no entry in the rpc table`);
    const full = method.path;
    if (rpc.kind === 'unimplemented') {
      const err = unimplemented(name, rpc.why);
      const refuseStream: grpc.handleServerStreamingCall<unknown, unknown> = (call) =>
        call.emit('error', err);
      const refuseUnary: grpc.handleUnaryCall<unknown, unknown> = (_call, cb) => cb(err);
      impl[name] = method.responseStream ? refuseStream : refuseUnary;
    } else if (rpc.kind === 'unary') {
      if (method.responseStream)
        throw new BerthError('Internal', `cri: "${full}" streams: not a unary entry`);
      const handle: grpc.handleUnaryCall<unknown, unknown> = (call, cb) => {
        rpc.handle(call.request as never, ctx).then(
          (res) => cb(null, res),
          (err: unknown) => cb(failure(ctx, full, err)),
        );
      };
      impl[name] = handle;
    } else {
      if (!method.responseStream)
        throw new BerthError('Internal', `cri: "${full}" is unary: not a stream entry`);
      const handle: grpc.handleServerStreamingCall<unknown, unknown> = (call) => {
        rpc.handle(call.request as never, ctx, call as grpc.ServerWritableStream<never, unknown>).then(
          () => call.end(),
          (err: unknown) => call.emit('error', failure(ctx, full, err)),
        );
      };
      impl[name] = handle;
    }
  }
  return impl;
}

function failure(ctx: CriContext, method: string, err: unknown): grpc.ServiceError {
  const se = toServiceError(err);
  if (se.code === grpc.status.INTERNAL) ctx.log.error('cri call failed', { method, error: messageOf(err) });
  else ctx.log.debug('cri call refused', { method, error: messageOf(err) });
  return se;
}
