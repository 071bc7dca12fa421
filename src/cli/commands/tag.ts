// `berth tag SOURCE TARGET`: the target is read as docker reads it (a digest refused, "latest" by default)
// and sent as POST /images/{source}/tag?repo=&tag=.
import { BerthError } from '../../base/errors.js';
import { familiarName, parseNormalized } from '../../images/reference/index.js';
import type { Command } from '../command.js';

/** `berth tag`. */
export const tag: Command = {
  name: 'tag',
  usage: 'berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  args: { min: 2, max: 2 },
  async run(cli, _flags, [source, target]) {
    const ref = parseNormalized(target!);
    if (ref.digest !== undefined)
      throw new BerthError('InvalidArgument', 'refusing to create a tag with a digest reference');
    const query = new URLSearchParams({ repo: familiarName(ref), tag: ref.tag ?? 'latest' });
    await cli.client.call('POST', `/images/${encodeURIComponent(source!)}/tag?${query}`);
    return 0;
  },
};
