// docker's --format handling (docker/cli's formatter.Context): `table TEMPLATE` prints a header row and
// lays the rows out with Go's tabwriter(minwidth 10, padding 3); `json` prints one JSON object per line;
// anything else is a Go template run once per row.
import { tabwrite } from '../../base/tabwriter.js';
import { Template } from '../template.js';

/** A row's template context and its JSON form (`--format json` prints the latter). */
export interface Row {
  context: Record<string, unknown>;
  json?: unknown;
}

/** Renders `rows` with `format`; `headers` names the columns for `table` formats (`.ID` → "CONTAINER ID"). */
export function renderRows(format: string, rows: Row[], headers: Record<string, string>): string {
  if (format === 'json') return rows.map((r) => JSON.stringify(r.json ?? r.context) + '\n').join('');
  const table = format.startsWith('table');
  const body = table ? format.slice('table'.length).trimStart() : format;
  const template = Template.parse(body.replace(/\\t/g, '\t').replace(/\\n/g, '\n'));
  let out = '';
  if (table) out += template.execute(headerContext(headers)) + '\n';
  for (const r of rows) out += template.execute(r.context) + '\n';
  return table ? tabwrite(out, 10, 3) : out;
}

/** A context whose every field is its column title; fields without a title print as themselves, upper-cased. */
function headerContext(headers: Record<string, string>): Record<string, unknown> {
  return new Proxy(headers, {
    get: (target, key) => (typeof key === 'string' ? (target[key] ?? key.toUpperCase()) : undefined),
    has: () => true,
  });
}
