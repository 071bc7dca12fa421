// `berth image inspect`: the daemon's ImageInspect of each image as a JSON array (indented as docker's,
// four spaces), or --format's template once per image; names that are not found are reported after the
// others (after an empty "[]" when none was) and make the exit status 1, as docker's inspect does.
import { messageOf } from '../../base/errors.js';
import type { Command } from '../command.js';
import { DaemonError } from '../client.js';
import { Template } from '../template.js';

/** `berth image inspect`. */
export const imageInspect: Command = {
  name: 'image inspect',
  usage: 'berth image inspect [OPTIONS] IMAGE [IMAGE...]',
  summary: 'Display detailed information on one or more images',
  flags: [
    {
      name: 'format',
      short: 'f',
      kind: 'string',
      usage: "Format output using a custom template: 'json', 'TEMPLATE'",
    },
  ],
  args: { min: 1 },
  async run(cli, flags, args) {
    const format =
      typeof flags.format === 'string' && flags.format !== '' && flags.format !== 'json'
        ? flags.format
        : undefined;
    const template = format === undefined ? undefined : Template.parse(format);
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const name of args) {
      try {
        found.push(await cli.client.json(`/images/${encodeURIComponent(name)}/json`));
      } catch (err) {
        if (!(err instanceof DaemonError)) throw err;
        errors.push(`Error response from daemon: ${messageOf(err)}`);
      }
    }
    if (template) for (const item of found) cli.out(template.execute(item) + '\n');
    else cli.out(JSON.stringify(found, null, 4) + '\n');
    if (errors.length > 0) cli.err(errors.join('\n') + '\n');
    return errors.length > 0 ? 1 : 0;
  },
};
