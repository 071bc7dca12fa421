// GetContainerEvents: a stream of container lifecycle events with the container's and its pod's status,
// until the client cancels it.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { criContainerStatus } from './containers/container-shape.js';
import type { ContainerEvent } from './containers/service.js';
import type { CriContext } from './context.js';
import { podSandboxStatus } from './pods/pod-shape.js';

/** GetContainerEvents. */
export async function getContainerEvents(
  _req: object,
  ctx: CriContext,
  call: ServerWritableStream<unknown, unknown>,
): Promise<void> {
  await new Promise<void>((resolve) => {
    const onEvent = (e: ContainerEvent): void => {
      void (async () => {
        const pod = await ctx.pods.get(e.podId).catch(() => undefined);
        const c =
          e.type === 'CONTAINER_DELETED_EVENT' ? undefined : ctx.containers.list().find((x) => x.id === e.id);
        call.write({
          container_id: e.id,
          container_event_type: e.type,
          created_at: e.createdAt,
          pod_sandbox_status: pod ? podSandboxStatus(pod) : null,
          containers_statuses: c ? [criContainerStatus(c)] : [],
        });
      })().catch((err: unknown) =>
        // A subscriber that went away mid-write must not take the daemon down with an unhandled rejection.
        ctx.log.debug('container event not delivered', { id: e.id, error: (err as Error).message }),
      );
    };
    ctx.containers.on('event', onEvent);
    const done = (): void => {
      ctx.containers.off('event', onEvent);
      resolve();
    };
    call.once('cancelled', done);
    call.once('close', done);
  });
}
