// The part of Go's text/template that docker's --format uses: {{.Field.Sub}}, {{json .}}, pipelines with
// `|`, {{if}}/{{else if}}/{{else}}, {{range}} (with `$k, $v :=`), {{with}}, variables, string/number/bool
// literals, `{{-`/`-}}` trimming, and the functions docker adds (json, join, split, upper, lower, title,
// truncate, pad, println) next to Go's (index, len, printf, print, eq, ne, lt, le, gt, ge, and, or, not).
import { BerthError } from '../base/errors.js';

type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; p: Pipe }
  | { t: 'if'; p: Pipe; yes: Node[]; no: Node[] }
  | { t: 'range'; p: Pipe; vars: string[]; body: Node[]; no: Node[] }
  | { t: 'with'; p: Pipe; body: Node[]; no: Node[] };
type Arg =
  | { k: 'field'; base: string; path: string[] }
  | { k: 'lit'; v: unknown }
  | { k: 'fn'; name: string }
  | { k: 'sub'; p: Pipe };
interface Pipe {
  decl?: string[];
  cmds: Arg[][];
}

/** A parsed template. */
export class Template {
  private constructor(private readonly nodes: Node[]) {}

  /** Parses `text`; a syntax error names the template and what was wrong. */
  static parse(text: string): Template {
    const tokens = lex(text);
    const p = new Parser(tokens);
    const nodes = p.list(['EOF']);
    return new Template(nodes);
  }

  /** Renders the template with `.` = `data`. */
  execute(data: unknown): string {
    const out: string[] = [];
    run(this.nodes, data, new Map([['$', data]]), out);
    return out.join('');
  }
}

type Token = { k: 'text'; s: string } | { k: 'action'; s: string };

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ k: 'text', s: text.slice(i) });
      break;
    }
    let before = text.slice(i, open);
    let start = open + 2;
    if (text[start] === '-' && /\s/.test(text[start + 1] ?? '')) {
      before = before.replace(/\s+$/, '');
      start++;
    }
    if (before) tokens.push({ k: 'text', s: before });
    const close = findClose(text, start);
    if (close < 0) throw new BerthError('InvalidArgument', `template: unclosed action`);
    let body = text.slice(start, close);
    let next = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      while (next < text.length && /\s/.test(text[next]!)) next++;
    }
    tokens.push({ k: 'action', s: body.trim() });
    i = next;
  }
  return tokens;
}

/** The `}}` that closes the action starting at `from`, skipping string literals. */
function findClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') {
      const q = c;
      for (i++; i < text.length && text[i] !== q; i++) if (q === '"' && text[i] === '\\') i++;
    } else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Nodes up to one of `ends` (an action keyword, or EOF), which is left for the caller. */
  list(ends: string[]): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const tok = this.tokens[this.pos];
      if (!tok) {
        if (ends.includes('EOF')) return nodes;
        throw new BerthError('InvalidArgument', `template: unexpected EOF, want {{${ends[0]}}}`);
      }
      if (tok.k === 'text') {
        nodes.push({ t: 'text', s: tok.s });
        this.pos++;
        continue;
      }
      const word = tok.s.split(/\s+/)[0]!;
      if (ends.includes(word)) return nodes;
      this.pos++;
      if (word === 'if' || word === 'range' || word === 'with')
        nodes.push(this.block(word, tok.s.slice(word.length)));
      else if (word === 'end' || word === 'else')
        throw new BerthError('InvalidArgument', `template: unexpected {{${word}}}`);
      else if (tok.s.startsWith('/*')) continue;
      else nodes.push({ t: 'out', p: parsePipe(tok.s) });
    }
  }

  private block(kind: 'if' | 'range' | 'with', rest: string): Node {
    const p = parsePipe(rest);
    const body = this.list(['else', 'end']);
    let no: Node[] = [];
    const tok = this.tokens[this.pos] as { k: 'action'; s: string };
    this.pos++;
    if (tok.s.split(/\s+/)[0] === 'else') {
      const after = tok.s.slice(4).trim();
      if (after.startsWith('if ')) no = [this.block('if', after.slice(2))];
      else {
        no = this.list(['end']);
        this.pos++;
      }
    }
    if (kind === 'if') return { t: 'if', p, yes: body, no };
    if (kind === 'with') return { t: 'with', p, body, no };
    return { t: 'range', p, vars: p.decl ?? [], body, no };
  }
}

function parsePipe(src: string): Pipe {
  const words = splitWords(src.trim());
  const pipe: Pipe = { cmds: [] };
  const assign = words.findIndex((w) => w === ':=' || w === '=');
  let rest = words;
  if (assign >= 0 && words.slice(0, assign).every((w) => /^\$\w*,?$/.test(w))) {
    pipe.decl = words.slice(0, assign).map((w) => w.replace(/,$/, ''));
    rest = words.slice(assign + 1);
  }
  let cmd: Arg[] = [];
  for (const w of rest) {
    if (w === '|') {
      pipe.cmds.push(cmd);
      cmd = [];
    } else cmd.push(parseArg(w));
  }
  pipe.cmds.push(cmd);
  if (pipe.cmds.some((c) => c.length === 0))
    throw new BerthError('InvalidArgument', `template: missing value in "${src.trim()}"`);
  return pipe;
}

/** Splits an action into words: strings, parenthesised sub-pipelines and `|` stay whole. */
function splitWords(s: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i]!)) {
      i++;
      continue;
    }
    let j = i;
    if (s[i] === '"' || s[i] === '`') {
      const q = s[i];
      for (j = i + 1; j < s.length && s[j] !== q; j++) if (q === '"' && s[j] === '\\') j++;
      j++;
    } else if (s[i] === '(') {
      let depth = 0;
      for (; j < s.length; j++) {
        if (s[j] === '(') depth++;
        else if (s[j] === ')' && --depth === 0) break;
      }
      j++;
    } else while (j < s.length && !/\s/.test(s[j]!) && s[j] !== '|') j++;
    if (j === i) j++;
    words.push(s.slice(i, j));
    i = j;
  }
  return words;
}

function parseArg(w: string): Arg {
  if (w.startsWith('"')) return { k: 'lit', v: JSON.parse(w) as string };
  if (w.startsWith('`')) return { k: 'lit', v: w.slice(1, -1) };
  if (w.startsWith('(')) return { k: 'sub', p: parsePipe(w.slice(1, -1)) };
  if (/^-?\d+(\.\d+)?$/.test(w)) return { k: 'lit', v: Number(w) };
  if (w === 'true' || w === 'false') return { k: 'lit', v: w === 'true' };
  if (w === 'nil') return { k: 'lit', v: null };
  if (w.startsWith('.') || w.startsWith('$')) {
    const parts = w.split('.');
    const base = parts[0] === '' ? '.' : parts[0]!;
    return { k: 'field', base, path: parts.slice(1).filter((p) => p !== '') };
  }
  if (/^\w+$/.test(w)) {
    if (!(w in FUNCS)) throw new BerthError('InvalidArgument', `template: function "${w}" not defined`);
    return { k: 'fn', name: w };
  }
  throw new BerthError('InvalidArgument', `template: bad word "${w}"`);
}

type Vars = Map<string, unknown>;

function run(nodes: Node[], dot: unknown, vars: Vars, out: string[]): void {
  for (const n of nodes) {
    if (n.t === 'text') out.push(n.s);
    else if (n.t === 'out') {
      const v = evalPipe(n.p, dot, vars);
      if (!n.p.decl) out.push(show(v));
    } else if (n.t === 'if') run(truthy(evalPipe(n.p, dot, vars)) ? n.yes : n.no, dot, vars, out);
    else if (n.t === 'with') {
      const v = evalPipe(n.p, dot, vars);
      run(truthy(v) ? n.body : n.no, truthy(v) ? v : dot, vars, out);
    } else {
      const v = evalPipe({ cmds: n.p.cmds }, dot, vars);
      const entries: [unknown, unknown][] = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : v && typeof v === 'object'
          ? Object.keys(v)
              .sort()
              .map((k) => [k, (v as Record<string, unknown>)[k]])
          : [];
      if (entries.length === 0) run(n.no, dot, vars, out);
      for (const [k, x] of entries) {
        const inner = new Map(vars);
        if (n.vars.length === 1) inner.set(n.vars[0]!, x);
        if (n.vars.length === 2) {
          inner.set(n.vars[0]!, k);
          inner.set(n.vars[1]!, x);
        }
        run(n.body, x, inner, out);
      }
    }
  }
}

function evalPipe(p: Pipe, dot: unknown, vars: Vars): unknown {
  let value: unknown;
  p.cmds.forEach((cmd, i) => {
    const args = cmd.slice(1).map((a) => evalArg(a, dot, vars));
    if (i > 0) args.push(value);
    const head = cmd[0]!;
    if (head.k === 'fn') value = FUNCS[head.name]!(...args);
    else if (args.length)
      throw new BerthError('InvalidArgument', `template: can't give argument to non-function`);
    else value = evalArg(head, dot, vars);
  });
  if (p.decl) p.decl.forEach((name) => vars.set(name, value));
  return value;
}

function evalArg(a: Arg, dot: unknown, vars: Vars): unknown {
  if (a.k === 'lit') return a.v;
  if (a.k === 'sub') return evalPipe(a.p, dot, vars);
  if (a.k === 'fn') return FUNCS[a.name]!();
  let v: unknown = a.base === '.' ? dot : vars.get(a.base);
  if (a.base !== '.' && !vars.has(a.base))
    throw new BerthError('InvalidArgument', `template: undefined variable "${a.base}"`);
  for (const key of a.path) {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'object')
      throw new BerthError('InvalidArgument', `template: can't evaluate field ${key} in type ${typeof v}`);
    // A missing key of a map is "<no value>" in Go, not an error.
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Go's fmt %v of a decoded JSON value: maps as map[k:v], lists as [a b], nothing as <no value>. */
export function show(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (typeof v === 'object')
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${show((v as Record<string, unknown>)[k])}`)
      .join(' ')}]`;
  return String(v);
}

function printf(format: string, ...args: unknown[]): string {
  let i = 0;
  return format.replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d+))?([svdqtf%])/g,
    (m, _flags: string, width: string, prec: string, verb: string) => {
      if (verb === '%') return '%';
      const a = args[i++];
      let s =
        verb === 'q'
          ? JSON.stringify(String(a))
          : verb === 'f'
            ? Number(a).toFixed(prec ? Number(prec) : 6)
            : show(a);
      if (prec && verb === 's') s = s.slice(0, Number(prec));
      return width ? (_flags.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width))) : s;
    },
  );
}

const cmp = (a: unknown, b: unknown): number => (a === b ? 0 : (a as number) < (b as number) ? -1 : 1);

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  json: (v) => JSON.stringify(v === undefined ? null : v),
  join: (list, sep) => (Array.isArray(list) ? list.map(show).join(String(sep)) : ''),
  split: (s, sep) => String(s).split(String(sep)),
  upper: (s) => String(s).toUpperCase(),
  lower: (s) => String(s).toLowerCase(),
  title: (s) => String(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  truncate: (s, n) => [...String(s)].slice(0, Number(n)).join(''),
  pad: (s, l, r) => ' '.repeat(Number(l)) + show(s) + ' '.repeat(Number(r)),
  println: (...a) => a.map(show).join(' ') + '\n',
  print: (...a) => a.map(show).join(''),
  printf: (f, ...a) => printf(String(f), ...a),
  index: (v, ...keys) =>
    keys.reduce<unknown>((x, k) => (x == null ? undefined : (x as Record<string, unknown>)[String(k)]), v),
  len: (v) =>
    Array.isArray(v) || typeof v === 'string'
      ? v.length
      : v && typeof v === 'object'
        ? Object.keys(v).length
        : 0,
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  lt: (a, b) => cmp(a, b) < 0,
  le: (a, b) => cmp(a, b) <= 0,
  gt: (a, b) => cmp(a, b) > 0,
  ge: (a, b) => cmp(a, b) >= 0,
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (a) => !truthy(a),
};
