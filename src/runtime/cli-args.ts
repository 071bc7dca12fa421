// A small flag parser with runc's (urfave/cli's) conventions: `--flag value`, `--flag=value`, `-f value`,
// boolean flags without a value, repeatable `list` flags (`-e A=1 -e B=2`), and `--` ending the flags.
import { BerthError } from '../base/errors.js';

/** How one flag is written and what it takes. */
export interface FlagSpec {
  name: string;
  alias?: string;
  /** `list` flags may be given many times; their values accumulate in order. */
  type: 'bool' | 'string' | 'int' | 'list';
}

/** Parsed flags and positional arguments. */
export interface Parsed {
  flags: Record<string, string | boolean | number | string[] | undefined>;
  args: string[];
}

/** Parses `argv` against `specs`; unknown flags are usage errors naming the flag. */
export function parseArgs(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  stopAtFirstArg = false,
): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.alias) byName.set(s.alias, s);
  }
  const flags: Parsed['flags'] = {};
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-' || (stopAtFirstArg && args.length > 0)) {
      args.push(a);
      if (stopAtFirstArg) {
        args.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec) throw new BerthError('InvalidArgument', `flag provided but not defined: -${name}`);
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.type === 'bool') {
      flags[spec.name] = value === undefined ? true : value === 'true';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new BerthError('InvalidArgument', `flag needs an argument: -${name}`);
    }
    if (spec.type === 'int') {
      if (!/^-?\d+$/.test(value))
        throw new BerthError('InvalidArgument', `invalid value "${value}" for flag -${name}: parse error`);
      flags[spec.name] = Number(value);
    } else if (spec.type === 'list') {
      const list = (flags[spec.name] as string[] | undefined) ?? [];
      list.push(value);
      flags[spec.name] = list;
    } else flags[spec.name] = value;
  }
  return { flags, args };
}

/** Requires exactly `n` positional arguments (runc's message). */
export function expectArgs(command: string, args: readonly string[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const what = min === max ? `exactly ${min}` : `${min} to ${max}`;
    throw new BerthError('InvalidArgument', `"${command}" requires ${what} argument(s)`);
  }
}
