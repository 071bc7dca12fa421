// What every part of the container service shares: the stores, the shim manager, the event bus, the
// image source, the daemon's config, and a lock per container so that two requests never change one
// container at once (50 clients at once must lose nothing, issue 6).
import { EventEmitter } from 'node:events';
import { BerthError } from '../../../base/errors.js';
import type { Logger } from '../../../base/log.js';
import {
  DOCKER_NAMESPACE,
  type Container,
  type Containers,
  type ContainerUpdate,
  type Stores,
} from '../../../metadata/index.js';
import type { DaemonConfig } from '../../config.js';
import type { ShimManager } from '../../shim-client/index.js';
import type { EventBus } from '../events/index.js';
import type { ImageSource } from './image-source.js';
import { DATA_KEY, type ContainerData } from './types.js';
import type { VolumeSource } from './volumes.js';
import type { NetworkService } from '../networks/index.js';

/** The service's dependencies and shared helpers. */
export class ServiceContext {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Per running container: resolves once its exit is recorded (lifecycle.ts watchExit). */
  readonly runs = new Map<string, Promise<void>>();
  /** `exit` (id, exitCode) once an exit is recorded, `removed` (id) once a container is gone. */
  readonly changes = new EventEmitter();
  /** Attachers waiting for a created container's shim: called after create, before the program runs. */
  readonly attachHooks = new Map<string, Set<(shimKey: string) => Promise<void>>>();
  /** Timers of restarts a restart policy scheduled, by container id. */
  readonly restartTimers = new Map<string, NodeJS.Timeout>();
  /** Containers a user is restarting (`docker restart`): their exit is not the policy's business. */
  readonly userRestarts = new Set<string>();
  /** Restart-policy backoff (ms) of each container that policy restarted (restart-policy.ts). */
  readonly backoff = new Map<string, number>();
  /** Calls back into the service for the policy code (set by service.ts, so that no import cycle is needed). */
  actions: {
    startLocked(id: string, byPolicy: boolean): Promise<boolean>;
    autoRemove(id: string): Promise<void>;
  } = {
    startLocked: () => Promise.reject(new BerthError('Internal', 'container service not wired')),
    autoRemove: () => Promise.reject(new BerthError('Internal', 'container service not wired')),
  };
  /** Health check loops, by container id (health.ts). */
  readonly healthLoops = new Map<string, { stop(): void }>();

  constructor(
    readonly stores: Stores,
    /** The snapshotter containers' root filesystems come from. */
    readonly snapshotter: string,
    readonly shims: ShimManager,
    readonly events: EventBus,
    readonly images: ImageSource,
    readonly volumes: VolumeSource,
    /** The daemon's networks: sandboxes and endpoints of running containers (networking.ts). */
    readonly networks: NetworkService,
    readonly config: DaemonConfig,
    readonly log: Logger,
  ) {
    this.changes.setMaxListeners(0);
  }

  /** The `moby` namespace's container records. */
  get records(): Containers {
    return this.stores.containers(DOCKER_NAMESPACE);
  }

  /**
   * The container `ref` names: a full id, a name (with or without "/"), or a unique id prefix, in that
   * order (dockerd's GetContainer); 404 "No such container: ref" otherwise.
   */
  find(ref: string): Container {
    const notFound = (): BerthError => new BerthError('NotFound', `No such container: ${ref}`);
    if (ref === '') throw notFound();
    const records = this.records;
    if (/^[0-9a-f]{64}$/.test(ref)) {
      try {
        return records.get(ref);
      } catch {
        // fall through to names and prefixes
      }
    }
    try {
      return records.getByName(ref.replace(/^\//, ''));
    } catch {
      // not a name
    }
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = records.list().filter((c) => c.id.startsWith(ref));
      if (matches.length > 1)
        throw new BerthError('InvalidArgument', `multiple IDs found with provided prefix: ${ref}`);
      if (matches.length === 1) return matches[0]!;
    }
    throw notFound();
  }

  /** The service's own data of a record. */
  data(c: Container): ContainerData {
    return c.extensions[DATA_KEY] as ContainerData;
  }

  /** Updates a record, merging `data` into its service data. */
  save(id: string, changes: ContainerUpdate, data: Partial<ContainerData> = {}): Container {
    const current = this.records.get(id);
    return this.records.update(id, {
      ...changes,
      extensions: { ...current.extensions, [DATA_KEY]: { ...this.data(current), ...data } },
    });
  }

  /** The attributes dockerd puts on a container's events: its labels, image and name. */
  attributes(c: Container, extra: Record<string, string> = {}): Record<string, string> {
    return { ...c.labels, image: c.image, name: c.name ?? '', ...extra };
  }

  /** Publishes a container event. */
  emit(c: Container, action: string, extra: Record<string, string> = {}): void {
    this.events.publish('container', action, c.id, this.attributes(c, extra));
  }

  /** Runs `fn` alone for container `id`: calls for one container queue up, others run side by side. */
  async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(id) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }
}
