// `berth load`: sends an image archive (-i FILE, or stdin) to POST /images/load and shows the daemon's
// "Loaded image: ..." lines, as docker load does.
import { createReadStream, statSync } from 'node:fs';
import { BerthError, wrap } from '../../base/errors.js';
import type { Command } from '../command.js';
import { openStream, showProgress } from '../streamed-request.js';

/** `berth load`. */
export const load: Command = {
  name: 'load',
  usage: 'berth load [OPTIONS]',
  summary: 'Load an image from a tar archive or STDIN',
  flags: [
    { name: 'input', short: 'i', kind: 'string', usage: 'Read from tar archive file, instead of STDIN' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the load output' },
  ],
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const input = typeof flags.input === 'string' && flags.input !== '' ? flags.input : undefined;
    if (input === undefined && process.stdin.isTTY)
      throw new BerthError('InvalidArgument', 'requested load from stdin, but stdin is empty');
    if (input !== undefined) {
      try {
        statSync(input);
      } catch (err) {
        throw wrap(err, `open "${input}"`);
      }
    }
    const body = input === undefined ? process.stdin : createReadStream(input);
    const quiet = flags.quiet === true || !cli.tty;
    const res = await openStream(cli, 'POST', `/images/load?quiet=${quiet ? 1 : 0}`, {}, body);
    await showProgress(cli, res, { quiet: false });
    return 0;
  },
};
