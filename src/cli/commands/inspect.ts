// `berth inspect` and `berth container inspect` (docker/cli's inspect): containers first, then images
// (docker inspect tries both), as a JSON array or through --format.
import { messageOf } from '../../base/errors.js';
import { DaemonError } from '../client.js';
import type { Command } from '../command.js';
import { Template } from '../template.js';

/** `berth inspect`. */
export const inspect: Command = {
  name: 'inspect',
  usage: 'berth inspect [OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on Berth objects',
  flags: [
    { name: 'format', short: 'f', kind: 'string', usage: 'Format output using a custom template' },
    { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
    { name: 'type', kind: 'string', usage: 'Only inspect objects of the given type' },
  ],
  args: { min: 1 },
  run: async (cli, v, args) => {
    const type = v.type as string | undefined;
    const found: unknown[] = [];
    let status = 0;
    for (const ref of args) {
      const paths = [
        ...(type === undefined || type === 'container'
          ? [`/containers/${encodeURIComponent(ref)}/json${v.size ? '?size=1' : ''}`]
          : []),
        ...(type === undefined || type === 'image' ? [`/images/${encodeURIComponent(ref)}/json`] : []),
      ];
      let hit: unknown;
      for (const p of paths) {
        try {
          hit = await cli.client.json(p);
          break;
        } catch (err) {
          if (!(err instanceof DaemonError) || err.status !== 404) {
            cli.err(`Error response from daemon: ${messageOf(err)}\n`);
            status = 1;
            hit = null;
            break;
          }
        }
      }
      if (hit === undefined) {
        cli.err(`Error: No such object: ${ref}\n`);
        status = 1;
      } else if (hit !== null) found.push(hit);
    }
    const format = v.format as string | undefined;
    if (format) {
      const t = Template.parse(format);
      for (const obj of found) cli.out(`${t.execute(obj)}\n`);
    } else cli.out(`${JSON.stringify(found, null, 4)}\n`);
    return status;
  },
};
