// `berth save`: docker save's archive (GET /images/get) to -o FILE — written beside it and renamed into
// place when complete, as docker's CopyToFile does — or to stdout when that is not a terminal.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../../base/errors.js';
import type { Command } from '../command.js';
import { openStream } from '../streamed-request.js';

/** `berth save`. */
export const save: Command = {
  name: 'save',
  usage: 'berth save [OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags: [{ name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' }],
  args: { min: 1 },
  async run(cli, flags, args) {
    const output = typeof flags.output === 'string' && flags.output !== '' ? flags.output : undefined;
    if (output === undefined && cli.tty)
      throw new BerthError(
        'InvalidArgument',
        'cowardly refusing to save to a terminal. Use the -o flag or redirect',
      );
    const query = new URLSearchParams();
    for (const name of args) query.append('names', name);
    const res = await openStream(cli, 'GET', `/images/get?${query}`);
    const complete = (): void => {
      if (!res.complete) throw new BerthError('Unavailable', 'the daemon ended the archive early');
    };
    if (output === undefined) {
      await pipeline(res, process.stdout);
      complete();
      return 0;
    }
    const temp = join(dirname(output), `.${basename(output)}.${process.pid}.tmp`);
    try {
      await pipeline(res, createWriteStream(temp, { mode: 0o644 }));
      complete();
      renameSync(temp, output);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    return 0;
  },
};
