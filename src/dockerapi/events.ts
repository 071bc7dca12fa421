// GET /events (swagger SystemEvents): the backlog from `since`, then live events until `until` or until
// the client goes, each a JSON line, through the filters (events/index.ts eventMatches).
import { BerthError } from '../base/errors.js';
import { eventMatches, type EventBus, type EventMessage } from '../daemon/services/events/index.js';
import type { Router } from './router.js';

/** A since/until value: Unix seconds (with a fraction) or an RFC 3339 time, in nanoseconds. */
function timeParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1e9);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new BerthError('InvalidArgument', `invalid value for "${name}": "${v}"`);
  return ms * 1e6;
}

/** Adds GET /events. */
export function registerEvents(router: Router, bus: EventBus): void {
  router.add('GET', '/events', async (ctx) => {
    const filters = ctx.filters();
    const since = timeParam(ctx.query.get('since'), 'since');
    const until = timeParam(ctx.query.get('until'), 'until');
    const write = ctx.startJsonStream();
    const send = (m: EventMessage): void => {
      if (eventMatches(m, filters)) write(m);
    };
    if (since !== undefined) for (const m of bus.list(since, until)) send(m);
    const nowNano = Date.now() * 1e6;
    if (until !== undefined && until <= nowNano) {
      ctx.res.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const unsubscribe = bus.subscribe((m) => {
        if (until !== undefined && m.timeNano > until) return;
        send(m);
      });
      const timer =
        until !== undefined ? setTimeout(() => finish(), Math.max(0, (until - nowNano) / 1e6)) : undefined;
      const finish = (): void => {
        unsubscribe();
        clearTimeout(timer);
        if (!ctx.res.writableEnded) ctx.res.end();
        resolve();
      };
      ctx.res.once('close', finish);
    });
  });
}
