// Network definitions: create (validate, pick or check the subnet, program the host side, store), find by
// docker's rules (full ID, full name, unique ID prefix), list, remove. Also the default `bridge` network
// and docker's predefined `host` and `none`, which exist without being stored.
import { createHash, randomBytes } from 'node:crypto';
import { BerthError, wrap } from '../base/errors.js';
import type { NetworkContext } from './context.js';
import { programNetwork, unprogramNetwork } from './host-side.js';
import { hostRoutes } from './ipam/host-routes.js';
import { type Cidr, formatCidr, formatIPv4, mustParseCidr, networkOf, parseCidr } from './ipam/ipv4.js';
import { DEFAULT_ADDRESS_POOLS, allocateSubnet } from './ipam/pool.js';
import type { CreateNetworkRequest, NetworkRecord } from './types.js';
import { BRIDGE_OPTIONS, planUserSubnet, validateCreateRequest } from './validate.js';

/** The default bridge device (dockerd's docker0). */
export const DEFAULT_BRIDGE_DEVICE = 'berth0';

/** docker's predefined host and none networks: listed and inspectable, never attached through CNI. */
export function predefinedNetworks(): NetworkRecord[] {
  return (['host', 'none'] as const).map((name) => ({
    id: createHash('sha256').update(`berth predefined network ${name}`).digest('hex'),
    name,
    driver: name === 'host' ? 'host' : 'null',
    created: '1970-01-01T00:00:00.000Z',
    subnet: '',
    gateway: '',
    userSubnet: false,
    bridge: '',
    internal: false,
    attachable: false,
    labels: {},
    options: {},
    isDefault: false,
  }));
}

/** Every network: the stored ones (the default bridge among them), then host and none. */
export function listNetworks(ctx: NetworkContext): NetworkRecord[] {
  return [...ctx.store.list(), ...predefinedNetworks()];
}

/** Finds a network as dockerd's FindNetwork does: full ID, then full name, then a unique ID prefix. */
export function findNetwork(ctx: NetworkContext, ref: string): NetworkRecord {
  const all = listNetworks(ctx);
  const byId = all.find((n) => n.id === ref);
  if (byId) return byId;
  const byName = all.filter((n) => n.name === ref);
  if (byName.length === 1) return byName[0]!;
  const byPrefix = ref ? all.filter((n) => n.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1)
    throw new BerthError(
      'InvalidArgument',
      `network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`,
    );
  throw new BerthError('NotFound', `network ${ref} not found`);
}

/** The subnets a new network must not overlap: every stored network's. */
function networkSubnets(ctx: NetworkContext): Cidr[] {
  return ctx.store
    .list()
    .map((n) => parseCidr(n.subnet))
    .filter((c): c is Cidr => !!c);
}

/** Routes of the host that an automatic subnet must not shadow (those of our own bridges excepted). */
function routeSubnets(ctx: NetworkContext, device?: string): Cidr[] {
  const ours = new Set(ctx.store.list().map((n) => n.bridge));
  if (device) ours.add(device);
  return hostRoutes()
    .filter((r) => !ours.has(r.iface))
    .map((r) => r.dst);
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

/** Creates a user-defined bridge network. */
export async function createNetwork(ctx: NetworkContext, req: CreateNetworkRequest): Promise<NetworkRecord> {
  validateCreateRequest(req, ctx.store.list());
  const taken = networkSubnets(ctx);
  const plan = planUserSubnet(req, taken);
  const subnet =
    plan?.subnet ??
    allocateSubnet(ctx.opts.addressPools ?? DEFAULT_ADDRESS_POOLS, [...taken, ...routeSubnets(ctx)]);
  const id = newId();
  const options = { ...(req.options ?? {}) };
  const record: NetworkRecord = {
    id,
    name: req.name,
    driver: 'bridge',
    created: new Date().toISOString(),
    subnet: formatCidr(subnet),
    gateway: formatIPv4(plan?.gateway ?? networkOf(subnet) + 1),
    ...(plan?.ipRange && { ipRange: formatCidr(plan.ipRange) }),
    userSubnet: plan !== undefined,
    bridge: options[BRIDGE_OPTIONS.name] ?? `br-${id.slice(0, 12)}`,
    internal: req.internal === true,
    attachable: req.attachable === true,
    labels: { ...(req.labels ?? {}) },
    options,
    isDefault: false,
  };
  return install(ctx, record);
}

/** Stores a record and programs its host side; on failure undoes both. */
async function install(ctx: NetworkContext, record: NetworkRecord): Promise<NetworkRecord> {
  ctx.store.put(record);
  try {
    await programNetwork(ctx, record);
  } catch (err) {
    await unprogramNetwork(ctx, record);
    ctx.store.remove(record.id);
    throw wrap(err, `create network ${record.name}`);
  }
  return record;
}

/**
 * The default `bridge` network: made on first start (the configured subnet, or the first free pool),
 * re-made when the configuration asks for another subnet and nothing is attached to it.
 */
export async function ensureDefaultNetwork(
  ctx: NetworkContext,
  attachedTo: (id: string) => boolean,
): Promise<void> {
  const conf = ctx.opts.defaultBridge;
  if (conf === false) return;
  const device = conf?.device ?? DEFAULT_BRIDGE_DEVICE;
  const existing = ctx.store.list().find((n) => n.isDefault);
  const wanted = conf?.subnet ? mustParseCidr(conf.subnet, 'default bridge subnet') : undefined;
  if (existing) {
    const same =
      existing.bridge === device &&
      (!wanted || existing.subnet === formatCidr({ addr: networkOf(wanted), prefix: wanted.prefix })) &&
      (!conf?.gateway || existing.gateway === conf.gateway);
    if (same || attachedTo(existing.id)) {
      if (!same)
        ctx.log.warn('default bridge configuration changed; keeping the old one while containers use it');
      return;
    }
    await removeNetworkRecord(ctx, existing);
  }
  const others = networkSubnets(ctx);
  const req: CreateNetworkRequest = { name: 'bridge', subnet: conf?.subnet, gateway: conf?.gateway };
  const plan = planUserSubnet(req, others);
  const subnet =
    plan?.subnet ??
    allocateSubnet(ctx.opts.addressPools ?? DEFAULT_ADDRESS_POOLS, [...others, ...routeSubnets(ctx, device)]);
  await install(ctx, {
    id: newId(),
    name: 'bridge',
    driver: 'bridge',
    created: new Date().toISOString(),
    subnet: formatCidr(subnet),
    gateway: formatIPv4(plan?.gateway ?? networkOf(subnet) + 1),
    userSubnet: false,
    bridge: device,
    internal: false,
    attachable: false,
    labels: {},
    options: {
      'com.docker.network.bridge.default_bridge': 'true',
      [BRIDGE_OPTIONS.icc]: 'true',
      [BRIDGE_OPTIONS.masquerade]: 'true',
      [BRIDGE_OPTIONS.hostBinding]: '0.0.0.0',
      [BRIDGE_OPTIONS.name]: device,
      [BRIDGE_OPTIONS.mtu]: '1500',
    },
    isDefault: true,
  });
}

/** Unprograms and forgets a stored network (the caller has checked it has no endpoints). */
export async function removeNetworkRecord(ctx: NetworkContext, net: NetworkRecord): Promise<void> {
  const failures = await unprogramNetwork(ctx, net);
  if (failures.length)
    throw new BerthError('Internal', `error while removing network: ${net.name}: ${failures.join('; ')}`);
  ctx.store.remove(net.id);
}
