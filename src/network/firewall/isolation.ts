// Berth's own chains, shaped like dockerd's (moby libnetwork drivers/bridge, "setINC", the
// DOCKER-ISOLATION-STAGE-1/2 pair and the bridge's masquerade rule), with one rule set per bridge network:
//
//   filter FORWARD          -j BERTH-ISOLATION-STAGE-1     (first)
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
//   nat POSTROUTING         -j BERTH-POSTROUTING
//   BERTH-POSTROUTING       -s <subnet> ! -o <br> -j MASQUERADE              unless internal or
//                                                                            enable_ip_masquerade=false
//
// BERTH-FORWARD keeps Berth's networks working where FORWARD's policy is DROP (as dockerd leaves it);
// with an ACCEPT policy its rules change nothing. Masquerading is the network's, as dockerd does it, not
// the bridge plugin's (ipMasq): the plugin's is a chain per container, made and removed with about ten
// iptables calls under the xtables lock on every ADD and DEL. The chains are shared by every Berth on the
// host: they are created idempotently and removed, with their jumps, once no network's rules remain in them.
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
  type Table,
} from './iptables.js';

/** The chain names, as iptables shows them. */
export const CHAINS = {
  stage1: 'BERTH-ISOLATION-STAGE-1',
  stage2: 'BERTH-ISOLATION-STAGE-2',
  forward: 'BERTH-FORWARD',
  postrouting: 'BERTH-POSTROUTING',
} as const;

/** Each chain's table and the built-in chain that jumps to it. */
const CHAIN_HOMES: { chain: string; table: Table; from: string }[] = [
  { chain: CHAINS.stage1, table: 'filter', from: 'FORWARD' },
  { chain: CHAINS.stage2, table: 'filter', from: '' },
  { chain: CHAINS.forward, table: 'filter', from: 'FORWARD' },
  { chain: CHAINS.postrouting, table: 'nat', from: 'POSTROUTING' },
];

/** One rule of a network: its table and chain, the arguments, and whether it goes in at the top. */
interface NetworkRule {
  table: Table;
  chain: string;
  args: string[];
  insert: boolean;
}

const filterRule = (chain: string, args: string[], insert: boolean): NetworkRule => ({
  table: 'filter',
  chain,
  args,
  insert,
});

/** The rules of one network (pure, unit-tested). */
export function networkRules(net: NetworkRecord): NetworkRule[] {
  const br = net.bridge;
  const rules: NetworkRule[] = [
    filterRule(CHAINS.stage1, ['-i', br, '!', '-o', br, '-j', CHAINS.stage2], true),
    filterRule(CHAINS.stage2, ['-o', br, '-j', 'DROP'], true),
  ];
  if (net.internal)
    rules.push(
      filterRule(CHAINS.stage1, ['!', '-s', net.subnet, '-o', br, '-j', 'DROP'], true),
      filterRule(CHAINS.stage1, ['!', '-d', net.subnet, '-i', br, '-j', 'DROP'], true),
    );
  const icc = optionEnabled(net.options, BRIDGE_OPTIONS.icc, true) ? 'ACCEPT' : 'DROP';
  rules.push(
    filterRule(
      CHAINS.forward,
      ['-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      false,
    ),
    filterRule(CHAINS.forward, ['-i', br, '-o', br, '-j', icc], false),
  );
  if (!net.internal)
    rules.push(
      filterRule(CHAINS.forward, ['-i', br, '!', '-o', br, '-j', 'ACCEPT'], false),
      filterRule(CHAINS.forward, ['-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT'], false),
    );
  if (masquerades(net))
    rules.push({
      table: 'nat',
      chain: CHAINS.postrouting,
      args: ['-s', net.subnet, '!', '-o', br, '-j', 'MASQUERADE'],
      insert: false,
    });
  return rules;
}

/** Whether what leaves a network for other interfaces is masqueraded (docker's default; never internal). */
export function masquerades(net: NetworkRecord): boolean {
  return !net.internal && optionEnabled(net.options, BRIDGE_OPTIONS.masquerade, true);
}

/** Creates the shared chains and the built-in chains' jumps to them, in order, unless they exist. */
async function ensureChains(): Promise<void> {
  for (const chain of [CHAINS.stage1, CHAINS.stage2]) {
    await ensureChain('filter', chain);
    await appendRule('filter', chain, ['-j', 'RETURN']);
  }
  await ensureChain('filter', CHAINS.forward);
  await ensureChain('nat', CHAINS.postrouting);
  // Inserted in reverse so that STAGE-1 ends up first: isolation is decided before anything is accepted.
  await insertRule('filter', 'FORWARD', ['-j', CHAINS.forward]);
  await insertRule('filter', 'FORWARD', ['-j', CHAINS.stage1]);
  await appendRule('nat', 'POSTROUTING', ['-j', CHAINS.postrouting]);
}

/** Programs a network's isolation and forwarding rules; idempotent. */
export async function programIsolation(net: NetworkRecord): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureChains();
      for (const r of networkRules(net))
        if (r.insert) await insertRule(r.table, r.chain, r.args);
        else await appendRule(r.table, r.chain, r.args);
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
  for (const r of networkRules(net)) await deleteRule(r.table, r.chain, r.args);
  await removeChainsIfUnused();
}

/** Whether a rule is one of the chains' own (a RETURN at the end), not a network's. */
const isChainOwn = (r: Rule) => r.args.length === 2 && jumpOf(r) === 'RETURN';

/** Deletes the shared chains and their jumps once they hold no network's rules. */
export async function removeChainsIfUnused(): Promise<void> {
  for (const { chain, table } of CHAIN_HOMES) {
    const rules = await listRules(table, chain);
    if (rules.some((r) => !isChainOwn(r))) return;
  }
  for (const { chain, table, from } of CHAIN_HOMES) if (from) await deleteRule(table, from, ['-j', chain]);
  for (const { chain, table } of CHAIN_HOMES)
    if (await chainExists(table, chain)) await deleteChain(table, chain);
}
