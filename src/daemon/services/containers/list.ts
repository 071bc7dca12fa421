// GET /containers/json's selection: all or only the running ones, then dockerd's filters (status, name,
// id, label, ancestor, exited, before, since, health, volume, network), newest first, at most `limit`.
import { BerthError } from '../../../base/errors.js';
import type { Container } from '../../../metadata/index.js';
import type { ServiceContext } from './context.js';
import { containerNetworkRefs } from './networking.js';

const FILTERS = [
  'status',
  'name',
  'id',
  'label',
  'ancestor',
  'exited',
  'before',
  'since',
  'health',
  'volume',
  'network',
  'is-task',
  'publish',
  'expose',
];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** Options of the list. */
export interface ListOptions {
  all: boolean;
  limit: number;
  filters: Map<string, string[]>;
  /** Add SizeRw and SizeRootFs (`docker ps -s`). */
  size?: boolean;
}

/** The containers the list shows, newest first. */
export async function listContainers(ctx: ServiceContext, opts: ListOptions): Promise<Container[]> {
  const f = opts.filters;
  for (const key of f.keys())
    if (!FILTERS.includes(key)) throw new BerthError('InvalidArgument', `invalid filter '${key}'`);
  for (const s of f.get('status') ?? [])
    if (!STATUSES.includes(s)) throw new BerthError('InvalidArgument', `invalid filter 'status=${s}'`);
  for (const h of f.get('health') ?? [])
    if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h))
      throw new BerthError('InvalidArgument', `Unrecognised filter value for health: ${h}`);
  for (const e of f.get('exited') ?? [])
    if (!/^-?\d+$/.test(e)) throw new BerthError('InvalidArgument', `invalid filter 'exited=${e}'`);
  let list = ctx.records.list().filter((c) => !ctx.data(c)?.creating);
  list.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const before = f.get('before')?.map((r) => ctx.find(r));
  const since = f.get('since')?.map((r) => ctx.find(r));
  let ancestors: Set<string> | undefined;
  if (f.has('ancestor')) {
    ancestors = new Set();
    for (const a of f.get('ancestor')!) {
      try {
        ancestors.add((await ctx.images.resolve(a)).id);
      } catch {
        // an unknown image is an ancestor of nothing
      }
    }
  }
  const want = (key: string, values: string[]): boolean => {
    const allowed = f.get(key);
    return !allowed || allowed.length === 0 || values.some((v) => allowed.includes(v));
  };
  const showAll =
    opts.all || f.has('status') || f.has('exited') || f.has('before') || f.has('since') || opts.limit > 0;
  list = list.filter((c) => {
    const data = ctx.data(c);
    if (!showAll && !['running', 'paused', 'restarting'].includes(c.state)) return false;
    if (!want('status', [c.state])) return false;
    if (
      f.has('name') &&
      !f.get('name')!.some((n) => safeRegex(n).test(`/${c.name}`) || safeRegex(n).test(c.name ?? ''))
    )
      return false;
    if (f.has('id') && !f.get('id')!.some((p) => c.id.startsWith(p))) return false;
    for (const l of f.get('label') ?? []) {
      const eq = l.indexOf('=');
      const key = eq < 0 ? l : l.slice(0, eq);
      if (!(key in c.labels) || (eq >= 0 && c.labels[key] !== l.slice(eq + 1))) return false;
    }
    if (ancestors && !ancestors.has(data.imageId)) return false;
    if (f.has('exited') && (c.state !== 'exited' || !f.get('exited')!.includes(String(c.exitCode ?? 0))))
      return false;
    if (before && !before.every((b) => c.createdAt < b.createdAt)) return false;
    if (since && !since.every((s) => c.createdAt > s.createdAt)) return false;
    if (f.has('health') && !want('health', [data.healthcheck ? (data.health?.Status ?? 'starting') : 'none']))
      return false;
    if (
      f.has('volume') &&
      !(data.mounts ?? []).some((m) => f.get('volume')!.some((v) => v === m.Name || v === m.Destination))
    )
      return false;
    if (f.has('network') && !want('network', containerNetworkRefs(ctx, c))) return false;
    if (f.has('is-task') && f.get('is-task')!.includes('true')) return false;
    return true;
  });
  return opts.limit > 0 ? list.slice(0, opts.limit) : list;
}

/** A name filter as dockerd reads it (a regular expression); a broken one matches literally. */
function safeRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}
