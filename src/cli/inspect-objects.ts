// The `inspect` of docker's object commands (network inspect, volume inspect): each object's JSON as one
// array indented by four spaces, or --format's template once per object; references that are not found
// are reported after the others and make the exit status 1, as docker's inspect does.
import { messageOf } from '../base/errors.js';
import { DaemonError } from './client.js';
import type { CliContext } from './command.js';
import { Template } from './template.js';

/** Inspects each of `refs` at `pathOf(ref)`; returns the exit status. */
export async function inspectObjects(
  cli: CliContext,
  refs: string[],
  pathOf: (ref: string) => string,
  format: unknown,
): Promise<number> {
  const text = typeof format === 'string' && format !== '' && format !== 'json' ? format : undefined;
  const template = text === undefined ? undefined : Template.parse(text);
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await cli.client.json(pathOf(ref)));
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      errors.push(`Error response from daemon: ${messageOf(err)}`);
    }
  }
  if (template) for (const item of found) cli.out(template.execute(item) + '\n');
  else cli.out(JSON.stringify(found, null, 4) + '\n');
  if (errors.length > 0) cli.err(errors.join('\n') + '\n');
  return errors.length > 0 ? 1 : 0;
}

/**
 * Runs `each` for every reference (rm of several objects), printing what it returns; failures are printed
 * as docker prints them and make the status 1.
 */
export async function forEachRef(
  cli: CliContext,
  refs: string[],
  each: (ref: string) => Promise<string | undefined>,
): Promise<number> {
  let status = 0;
  for (const ref of refs) {
    try {
      const line = await each(ref);
      if (line !== undefined) cli.out(line + '\n');
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      cli.err(`Error response from daemon: ${messageOf(err)}\n`);
      status = 1;
    }
  }
  return status;
}
