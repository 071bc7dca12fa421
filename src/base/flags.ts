// Command-line flags with spf13/pflag's conventions, which the docker CLI and dockerd use: `--name value`,
// `--name=value`, `-n value`, `-nvalue`, bundled booleans (`-it`), `--flag=false`, repeatable list
// flags, `--` ending the flags, and (for `run`/`exec`) flags only before the first argument.
import { BerthError } from './errors.js';

/** How one flag is written and what it takes. */
export interface Flag {
  name: string;
  short?: string;
  kind: 'bool' | 'string' | 'list' | 'int';
  /** Shown in --help. */
  usage?: string;
  /** The value shown in --help for a value flag (`string`, `list`, `int`). */
  default?: string | number | boolean;
  /** Left out of --help (deprecated or internal). */
  hidden?: boolean;
}

/** Parsed flags (lists are arrays, absent flags are undefined) and the positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | string[] | number | boolean | undefined>;
  args: string[];
}

/** Parses `argv` against `flags`; with `interspersed` false, flags end at the first argument. */
export function parseFlags(
  argv: readonly string[],
  flags: readonly Flag[],
  interspersed = true,
): ParsedFlags {
  const byName = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const values: ParsedFlags['values'] = {};
  const args: string[] = [];
  const set = (f: Flag, raw: string, shown: string): void => {
    if (f.kind === 'bool') {
      if (!['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(raw))
        throw new BerthError('InvalidArgument', `invalid argument "${raw}" for "${shown}" flag: parse error`);
      values[f.name] = ['true', '1', 't', 'TRUE', 'True'].includes(raw);
    } else if (f.kind === 'int') {
      if (!/^-?\d+$/.test(raw))
        throw new BerthError('InvalidArgument', `invalid argument "${raw}" for "${shown}" flag: parse error`);
      values[f.name] = Number(raw);
    } else if (f.kind === 'list') {
      const list = (values[f.name] as string[] | undefined) ?? [];
      list.push(raw);
      values[f.name] = list;
    } else values[f.name] = raw;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (!interspersed) {
        args.push(...argv.slice(i));
        break;
      }
      args.push(a);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const f = byName.get(name);
      if (!f) throw new BerthError('InvalidArgument', `unknown flag: --${name}`);
      if (eq >= 0) set(f, a.slice(eq + 1), `--${name}`);
      else if (f.kind === 'bool') values[f.name] = true;
      else {
        if (i + 1 >= argv.length)
          throw new BerthError('InvalidArgument', `flag needs an argument: --${name}`);
        set(f, argv[++i]!, `--${name}`);
      }
      continue;
    }
    // One or more shorthands: -it, -p8080:80, -e=K=V, -n name.
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const f = byShort.get(c);
      if (!f) throw new BerthError('InvalidArgument', `unknown shorthand flag: '${c}' in ${a}`);
      const rest = a.slice(j + 1);
      if (f.kind === 'bool') {
        if (rest.startsWith('=')) {
          set(f, rest.slice(1), `-${c}`);
          break;
        }
        values[f.name] = true;
        continue;
      }
      if (rest !== '') set(f, rest.startsWith('=') ? rest.slice(1) : rest, `-${c}`);
      else {
        if (i + 1 >= argv.length)
          throw new BerthError('InvalidArgument', `flag needs an argument: '${c}' in -${c}`);
        set(f, argv[++i]!, `-${c}`);
      }
      break;
    }
  }
  return { values, args };
}

/** The flags' lines for --help, as cobra prints them. */
export function flagUsage(flags: readonly Flag[]): string {
  const rows = flags
    .filter((f) => !f.hidden)
    .map((f) => {
      const kind = f.kind === 'bool' ? '' : f.kind === 'list' ? ' list' : ` ${f.kind}`;
      const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${kind}`;
      const def =
        f.default !== undefined && f.default !== '' && f.default !== false
          ? ` (default ${JSON.stringify(f.default)})`
          : '';
      return [left, `${f.usage ?? ''}${def}`] as const;
    });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}   ${r}`.trimEnd()).join('\n');
}
