// The `filters` of GET /networks and POST /networks/prune, as dockerd reads them (moby
// daemon/network/filter.go and daemon/prune.go): list takes dangling, driver, id, label, name, scope and
// type; prune takes until and label / label!. Pure: unit-tested.
import { BerthError } from '../../../base/errors.js';
import type { NetworkRecord } from '../../../network/index.js';
import { boolFilter, checkFilterKeys, fuzzyMatch, labelsMatch, parseUntil } from '../object-filters.js';

const LIST_KEYS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];
const PRUNE_KEYS = ['until', 'label', 'label!'];

/** What a filter needs to know of a network besides its record. */
export interface NetworkFacts {
  /** Whether any container is attached. */
  inUse: boolean;
}

/** docker's predefined networks: the default bridge, host and none ("builtin" for the type filter). */
export function isPredefined(net: NetworkRecord): boolean {
  return net.isDefault || net.driver !== 'bridge';
}

/** A predicate for GET /networks's filters; bad keys and values are 400s naming them. */
export function networkListFilter(
  filters: Map<string, string[]>,
): (net: NetworkRecord, facts: NetworkFacts) => boolean {
  checkFilterKeys(filters, LIST_KEYS);
  const dangling = boolFilter(filters, 'dangling');
  for (const t of filters.get('type') ?? [])
    if (t !== 'custom' && t !== 'builtin')
      throw new BerthError('InvalidArgument', `invalid filter: 'type'='${t}'`);
  return (net, facts) => {
    // dockerd: a dangling network is a user-defined one without containers.
    if (dangling !== undefined && dangling !== (!isPredefined(net) && !facts.inUse)) return false;
    const driver = filters.get('driver');
    if (driver && !fuzzyMatch(driver, net.driver)) return false;
    const id = filters.get('id');
    if (id && !fuzzyMatch(id, net.id)) return false;
    const name = filters.get('name');
    if (name && !fuzzyMatch(name, net.name)) return false;
    const scope = filters.get('scope');
    if (scope && !scope.includes('local')) return false;
    const type = filters.get('type');
    if (type && !type.includes(isPredefined(net) ? 'builtin' : 'custom')) return false;
    const label = filters.get('label');
    if (label && !labelsMatch(net.labels, label)) return false;
    return true;
  };
}

/** A predicate for POST /networks/prune's filters (until, label, label!). */
export function networkPruneFilter(filters: Map<string, string[]>): (net: NetworkRecord) => boolean {
  checkFilterKeys(filters, PRUNE_KEYS);
  const until = filters.has('until') ? parseUntil(filters.get('until')!) : undefined;
  return (net) => {
    if (until !== undefined && Date.parse(net.created) >= until) return false;
    const label = filters.get('label');
    if (label && !labelsMatch(net.labels, label)) return false;
    const notLabel = filters.get('label!');
    if (notLabel && notLabel.some((l) => labelsMatch(net.labels, [l]))) return false;
    return true;
  };
}
