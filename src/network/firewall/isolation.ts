// Berth's own filter-table chains, shaped like dockerd's (moby libnetwork drivers/bridge, "setINC" and
// the DOCKER-ISOLATION-STAGE-1/2 pair), with one rule set per bridge network:
//
//   FORWARD                 -j BERTH-ISOLATION-STAGE-1     (first)
//                           -j BERTH-FORWARD               (second)
//   BERTH-ISOLATION-STAGE-1 -i <br> ! -o <br> -j BERTH-ISOLATION-STAGE-2     leaving a network ...
//                           ! -s <subnet> -o <br> -j DROP                    internal: nothing in from outside
//                           ! -d <subnet> -i <br> -j DROP                    internal: nothing out
//                           -j RETURN
//   BERTH-ISOLATION-STAGE-2 -o <br> -j DROP                                   ... into another one: dropped
//                           -j RETURN
//   BERTH-FORWARD           -o <br> -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
//                           -i <br> -o <br> -j ACCEPT (DROP when enable_icc is false)
//                           -i <br> ! -o <br> -j ACCEPT                       not on internal networks
//                           -o <br> -m conntrack --ctstate DNAT -j ACCEPT     published ports; not internal
//
// BERTH-FORWARD keeps Berth's networks working where FORWARD's policy is DROP (as dockerd leaves it);
// with an ACCEPT policy its rules change nothing. The chains are shared by every Berth on the host: they
// are created idempotently and removed, with their FORWARD jumps, once no network's rules remain in them.
import type { NetworkRecord } from '../types.js';
import { BRIDGE_OPTIONS, optionEnabled } from '../validate.js';
import {
  appendRule,
  chainExists,
  deleteChain,
  deleteRule,
  ensureChain,
  insertRule,
  jumpOf,
  listRules,
  type Rule,
} from './iptables.js';

/** The chain names, as iptables shows them. */
export const CHAINS = {
  stage1: 'BERTH-ISOLATION-STAGE-1',
  stage2: 'BERTH-ISOLATION-STAGE-2',
  forward: 'BERTH-FORWARD',
} as const;

/** One rule of a network: the chain and the arguments, and whether it goes in at the top. */
interface NetworkRule {
  chain: string;
  args: string[];
  insert: boolean;
}

/** The filter rules of one network (pure, unit-tested). */
export function networkRules(net: NetworkRecord): NetworkRule[] {
  const br = net.bridge;
  const rules: NetworkRule[] = [
    { chain: CHAINS.stage1, args: ['-i', br, '!', '-o', br, '-j', CHAINS.stage2], insert: true },
    { chain: CHAINS.stage2, args: ['-o', br, '-j', 'DROP'], insert: true },
  ];
  if (net.internal)
    rules.push(
      { chain: CHAINS.stage1, args: ['!', '-s', net.subnet, '-o', br, '-j', 'DROP'], insert: true },
      { chain: CHAINS.stage1, args: ['!', '-d', net.subnet, '-i', br, '-j', 'DROP'], insert: true },
    );
  const icc = optionEnabled(net.options, BRIDGE_OPTIONS.icc, true) ? 'ACCEPT' : 'DROP';
  rules.push(
    {
      chain: CHAINS.forward,
      args: ['-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      insert: false,
    },
    { chain: CHAINS.forward, args: ['-i', br, '-o', br, '-j', icc], insert: false },
  );
  if (!net.internal)
    rules.push(
      { chain: CHAINS.forward, args: ['-i', br, '!', '-o', br, '-j', 'ACCEPT'], insert: false },
      {
        chain: CHAINS.forward,
        args: ['-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT'],
        insert: false,
      },
    );
  return rules;
}

/** Creates the shared chains and FORWARD's jumps to them, in order, unless they exist. */
async function ensureChains(): Promise<void> {
  for (const chain of [CHAINS.stage1, CHAINS.stage2]) {
    await ensureChain('filter', chain);
    await appendRule('filter', chain, ['-j', 'RETURN']);
  }
  await ensureChain('filter', CHAINS.forward);
  // Inserted in reverse so that STAGE-1 ends up first: isolation is decided before anything is accepted.
  await insertRule('filter', 'FORWARD', ['-j', CHAINS.forward]);
  await insertRule('filter', 'FORWARD', ['-j', CHAINS.stage1]);
}

/** Programs a network's isolation and forwarding rules; idempotent. */
export async function programIsolation(net: NetworkRecord): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureChains();
      for (const r of networkRules(net))
        if (r.insert) await insertRule('filter', r.chain, r.args);
        else await appendRule('filter', r.chain, r.args);
      return;
    } catch (err) {
      // A concurrent Berth may remove the shared chains (its last network went) between our ensure and
      // our insert: make them again, once.
      if (attempt > 0) throw err;
    }
  }
}

/** Removes a network's rules, then the shared chains if no network is left in them. */
export async function unprogramIsolation(net: NetworkRecord): Promise<void> {
  for (const r of networkRules(net)) await deleteRule('filter', r.chain, r.args);
  await removeChainsIfUnused();
}

/** Whether a rule is one of the chains' own (a RETURN at the end), not a network's. */
const isChainOwn = (r: Rule) => r.args.length === 2 && jumpOf(r) === 'RETURN';

/** Deletes the shared chains and FORWARD's jumps once they hold no network's rules. */
export async function removeChainsIfUnused(): Promise<void> {
  for (const chain of Object.values(CHAINS)) {
    const rules = await listRules('filter', chain);
    if (rules.some((r) => !isChainOwn(r))) return;
  }
  await deleteRule('filter', 'FORWARD', ['-j', CHAINS.stage1]);
  await deleteRule('filter', 'FORWARD', ['-j', CHAINS.forward]);
  for (const chain of Object.values(CHAINS))
    if (await chainExists('filter', chain)) await deleteChain('filter', chain);
}
