// `berth rmi` / `berth image rm`: removes each image in turn, printing docker's "Untagged:" and "Deleted:"
// lines; a failure is reported and the next image is tried, and the exit status is then 1.
import { messageOf } from '../../base/errors.js';
import type { Command } from '../command.js';

/** `berth rmi`. */
export const rmi: Command = {
  name: 'rmi',
  usage: 'berth rmi [OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', usage: 'Do not delete untagged parents' },
  ],
  args: { min: 1 },
  async run(cli, flags, args) {
    let status = 0;
    for (const name of args) {
      const query = new URLSearchParams();
      if (flags.force) query.set('force', '1');
      if (flags['no-prune']) query.set('noprune', '1');
      try {
        const reply = await cli.client.call('DELETE', `/images/${encodeURIComponent(name)}?${query}`);
        const items = JSON.parse(reply.body.toString('utf8')) as { Untagged?: string; Deleted?: string }[];
        for (const item of items) {
          if (item.Untagged !== undefined) cli.out(`Untagged: ${item.Untagged}\n`);
          if (item.Deleted !== undefined) cli.out(`Deleted: ${item.Deleted}\n`);
        }
      } catch (err) {
        cli.err(`Error response from daemon: ${messageOf(err)}\n`);
        status = 1;
      }
    }
    return status;
  },
};
