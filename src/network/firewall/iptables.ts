// A thin, idempotent face of iptables(8) (Debian's iptables, nft or legacy backend alike): rules are
// checked with -C before they are inserted, deletions of absent rules and chains are no-ops, and every
// call waits for the xtables lock (-w) because the CNI plugins program the same tables concurrently.
import { BerthError } from '../../base/errors.js';
import { runProgram } from '../../base/run-program.js';

/** The tables Berth touches. */
export type Table = 'filter' | 'nat';

/** One rule as iptables -S / iptables-save prints it: its chain and the match/target arguments. */
export interface Rule {
  /** The chain the rule is in. */
  chain: string;
  /** Everything after `-A <chain>`, split as a shell would (quoted comments kept whole). */
  args: string[];
}

const IPTABLES = 'iptables';
const LOCK_WAIT_SECONDS = '30';
const SBIN_ENV = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };

/** Runs iptables on `table`; returns stdout, or throws with its stderr. */
export async function iptables(table: Table, args: string[]): Promise<string> {
  const r = await runProgram(IPTABLES, ['-w', LOCK_WAIT_SECONDS, '-t', table, ...args], { env: SBIN_ENV });
  if (r.code === 0) return r.stdout;
  throw Object.assign(
    new BerthError(
      'Internal',
      `iptables -t ${table} ${args.join(' ')}: ${r.stderr.trim() || `exit status ${r.code}`}`,
    ),
    { exitCode: r.code },
  );
}

/** Whether a chain exists. */
export async function chainExists(table: Table, chain: string): Promise<boolean> {
  try {
    await iptables(table, ['-S', chain]);
    return true;
  } catch {
    return false;
  }
}

/** Creates a chain unless it exists. */
export async function ensureChain(table: Table, chain: string): Promise<void> {
  if (await chainExists(table, chain)) return;
  try {
    await iptables(table, ['-N', chain]);
  } catch (err) {
    // Another process (a concurrent Berth, a plugin) made it between the check and here.
    if (!(await chainExists(table, chain))) throw err;
  }
}

/** Whether a rule exists (iptables -C). */
export async function ruleExists(table: Table, chain: string, args: string[]): Promise<boolean> {
  try {
    await iptables(table, ['-C', chain, ...args]);
    return true;
  } catch {
    return false;
  }
}

/** Appends a rule unless it exists. */
export async function appendRule(table: Table, chain: string, args: string[]): Promise<void> {
  if (!(await ruleExists(table, chain, args))) await iptables(table, ['-A', chain, ...args]);
}

/** Inserts a rule at `position` (1 = first) unless it exists anywhere in the chain. */
export async function insertRule(table: Table, chain: string, args: string[], position = 1): Promise<void> {
  if (!(await ruleExists(table, chain, args)))
    await iptables(table, ['-I', chain, String(position), ...args]);
}

/** Deletes every copy of a rule; absent rules (and absent chains) are fine. */
export async function deleteRule(table: Table, chain: string, args: string[]): Promise<void> {
  for (let i = 0; i < 16 && (await ruleExists(table, chain, args)); i++)
    await iptables(table, ['-D', chain, ...args]);
}

/** Flushes and deletes a chain; an absent chain is fine (rules jumping to it must be gone first). */
export async function deleteChain(table: Table, chain: string): Promise<void> {
  if (!(await chainExists(table, chain))) return;
  await iptables(table, ['-F', chain]);
  await iptables(table, ['-X', chain]);
}

/** The rules of a table (or of one chain), parsed from iptables -S. */
export async function listRules(table: Table, chain?: string): Promise<Rule[]> {
  let out: string;
  try {
    out = await iptables(table, chain ? ['-S', chain] : ['-S']);
  } catch (err) {
    if (chain) return []; // no such chain: no rules
    throw err;
  }
  return parseRules(out);
}

/** Parses iptables -S / iptables-save rule lines (`-A CHAIN args...`); other lines are skipped. */
export function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('-A ')) continue;
    const words = splitWords(line);
    rules.push({ chain: words[1]!, args: words.slice(2) });
  }
  return rules;
}

/** Splits a rule line as a shell would: double-quoted words (comments) with \" and \\ escapes kept whole. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** The target chain of a rule's `-j`, if any. */
export function jumpOf(rule: Rule): string | undefined {
  const i = rule.args.indexOf('-j');
  return i >= 0 ? rule.args[i + 1] : undefined;
}
