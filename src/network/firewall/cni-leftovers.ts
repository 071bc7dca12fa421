// What the CNI plugins can leave in iptables, and how Berth takes it away:
//
// - bridge's ipMasq chain (nat: POSTROUTING -s <ip> -j CNI-<hash>, comment `name: "<net>" id: "<cid>"`):
//   its DEL finds the addresses to unmasquerade on the container's interface, so a DEL that runs after the
//   namespace is gone (a reboot, a failed teardown) leaves the chain behind. Removed here by its comment.
// - portmap's per-container CNI-DN-<hash> chain and its CNI-HOSTPORT-DNAT rule (comment
//   `dnat name: "<net>" id: "<cid>"`): normally removed by portmap's DEL; swept by comment as well.
// - portmap's shared chains (CNI-HOSTPORT-DNAT, -SETMARK, -MASQ and their jumps from PREROUTING, OUTPUT
//   and POSTROUTING): portmap never removes them. Once CNI-HOSTPORT-DNAT holds no container's rule, no
//   user of portmap is left on the host and Berth removes them, so that a host returns to how it was.
import { createHash } from 'node:crypto';
import { chainExists, deleteChain, iptables, jumpOf, listRules, type Rule, type Table } from './iptables.js';

/** The comment libcni plugins put on an attachment's rules (plugins/pkg/utils FormatComment). */
export function attachmentComment(network: string, containerId: string): string {
  return `name: "${network}" id: "${containerId}"`;
}

/** The bridge plugin's masquerade chain of an attachment (plugins/pkg/utils FormatChainName). */
export function masqueradeChain(network: string, containerId: string): string {
  return `CNI-${createHash('sha512')
    .update(network + containerId)
    .digest('hex')
    .slice(0, 24)}`;
}

/** Whether the bridge plugin's DEL left the attachment's masquerade chain (one iptables call, no listing). */
export function masqueradeLeft(network: string, containerId: string): Promise<boolean> {
  return chainExists('nat', masqueradeChain(network, containerId));
}

function commentOf(rule: Rule): string | undefined {
  const i = rule.args.indexOf('--comment');
  return i >= 0 ? rule.args[i + 1] : undefined;
}

/**
 * Removes every rule whose comment names the attachment (network, container), and the CNI-* chains those
 * rules jump to. Returns how many rules went. Safe to run after a successful DEL: it then finds nothing.
 */
export async function sweepAttachmentRules(network: string, containerId: string): Promise<number> {
  const comment = attachmentComment(network, containerId);
  let removed = 0;
  for (const table of ['nat', 'filter'] as Table[]) {
    const rules = await listRules(table);
    const mine = rules.filter((r) => commentOf(r) === comment || commentOf(r) === `dnat ${comment}`);
    const targets = new Set(mine.map(jumpOf).filter((j): j is string => !!j && j.startsWith('CNI-')));
    // Rules inside the targets are dropped with their chains; the jumps into them are deleted first.
    for (const r of mine.filter((r) => !targets.has(r.chain))) {
      await iptables(table, ['-D', r.chain, ...r.args]).catch(() => undefined);
      removed++;
    }
    for (const chain of targets) {
      if (rules.some((r) => jumpOf(r) === chain && !mine.includes(r))) continue; // still used by another rule
      await deleteChain(table, chain).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

const HOSTPORT_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];

/** Removes portmap's shared nat chains and their jumps when no container uses them any more. */
export async function removeUnusedPortmapChains(): Promise<void> {
  const rules = await listRules('nat');
  const declared = await iptables('nat', ['-S']).then((out) =>
    out
      .split('\n')
      .filter((l) => l.startsWith('-N '))
      .map((l) => l.slice(3)),
  );
  if (!declared.includes('CNI-HOSTPORT-DNAT')) return;
  if (rules.some((r) => r.chain === 'CNI-HOSTPORT-DNAT')) return; // a container's ports are still published
  for (const r of rules)
    if (HOSTPORT_CHAINS.includes(jumpOf(r) ?? '') && !HOSTPORT_CHAINS.includes(r.chain))
      await iptables('nat', ['-D', r.chain, ...r.args]).catch(() => undefined);
  for (const chain of HOSTPORT_CHAINS)
    if (declared.includes(chain)) await deleteChain('nat', chain).catch(() => undefined);
}
