// The daemon's event bus: what dockerd's events service is (daemon/events): every container, image,
// network and volume change is published once, kept in a bounded backlog for `since`, and streamed to
// GET /events subscribers, each with its filters (swagger SystemEvents: type, event, container, image,
// label, ...).
import { EventEmitter } from 'node:events';

/** One event, in the API's EventMessage shape (plus the legacy status/id/from fields docker still sends). */
export interface EventMessage {
  Type:
    | 'container'
    | 'image'
    | 'network'
    | 'volume'
    | 'daemon'
    | 'plugin'
    | 'service'
    | 'node'
    | 'secret'
    | 'config';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  status?: string;
  id?: string;
  from?: string;
}

/** Events kept for `since` (dockerd keeps 256; a little more costs nothing). */
const BACKLOG = 1024;

/** Publishes events and hands them to subscribers; `list` answers `since`/`until` from the backlog. */
export class EventBus {
  private readonly backlog: EventMessage[] = [];
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every /events client and every waiter subscribes; there is no useful limit.
    this.emitter.setMaxListeners(0);
  }

  /** Publishes an event of `type` about `id` now. */
  publish(
    type: EventMessage['Type'],
    action: string,
    id: string,
    attributes: Record<string, string> = {},
  ): EventMessage {
    const nano = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    const msg: EventMessage = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    // docker still fills the pre-1.22 fields for containers and images; old clients read them.
    if (type === 'container' || type === 'image') {
      msg.status = action;
      msg.id = id;
      if (attributes.image !== undefined) msg.from = attributes.image;
    }
    this.backlog.push(msg);
    if (this.backlog.length > BACKLOG) this.backlog.shift();
    this.emitter.emit('event', msg);
    return msg;
  }

  /** The kept events with `since <= timeNano <= until` (nanoseconds). */
  list(sinceNano: number, untilNano: number = Number.MAX_SAFE_INTEGER): EventMessage[] {
    return this.backlog.filter((e) => e.timeNano >= sinceNano && e.timeNano <= untilNano);
  }

  /** Calls `fn` for every event from now on; returns the unsubscribe function. */
  subscribe(fn: (msg: EventMessage) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}

/** Filters of GET /events (type, event, container, image, label, network, volume, daemon, scope). */
export function eventMatches(msg: EventMessage, filters: Map<string, string[]>): boolean {
  const want = (key: string, values: string[]): boolean => {
    const allowed = filters.get(key);
    return !allowed || allowed.length === 0 || values.some((v) => allowed.includes(v));
  };
  const attrs = msg.Actor.Attributes;
  const idOrName = [msg.Actor.ID, attrs.name ?? ''];
  if (!want('type', [msg.Type])) return false;
  // `event` matches the action, or its first word ("health_status: healthy" matches "health_status").
  if (!want('event', [msg.Action, msg.Action.split(':')[0]!])) return false;
  if (!want('scope', [msg.scope])) return false;
  if (
    filters.has('container') &&
    !(msg.Type === 'container' && want('container', prefixes(idOrName, filters.get('container')!)))
  )
    return false;
  if (filters.has('image')) {
    const image = msg.Type === 'image' ? [msg.Actor.ID, attrs.name ?? ''] : [attrs.image ?? ''];
    if (!want('image', [...image, ...image.map((i) => i.replace(/:latest$/, ''))])) return false;
  }
  if (filters.has('network') && !(msg.Type === 'network' && want('network', idOrName))) return false;
  if (filters.has('volume') && !(msg.Type === 'volume' && want('volume', idOrName))) return false;
  for (const label of filters.get('label') ?? []) {
    const eq = label.indexOf('=');
    const key = eq < 0 ? label : label.slice(0, eq);
    if (!(key in attrs) || (eq >= 0 && attrs[key] !== label.slice(eq + 1))) return false;
  }
  return true;
}

/** The filter values that match the id by prefix (container filters take short ids) or the name exactly. */
function prefixes(idOrName: string[], values: string[]): string[] {
  const [id, name] = idOrName as [string, string];
  return values.filter((v) => v === name || (v.length > 0 && id.startsWith(v)));
}
