// `berth push`: docker push's flags and output ("Using default tag: latest", the daemon's progress stream
// drawn as docker draws it); credentials from `berth login` go along as X-Registry-Auth.
import { BerthError } from '../../base/errors.js';
import { familiarName, parseNormalized } from '../../images/reference/index.js';
import type { Command } from '../command.js';
import { registryAuthHeader } from '../registry-credentials.js';
import { openStream, showProgress } from '../streamed-request.js';

/** `berth push`. */
export const push: Command = {
  name: 'push',
  usage: 'berth push [OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Push all tags of an image to the repository' },
    { name: 'disable-content-trust', kind: 'bool', usage: 'Skip image signing', default: true },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(cli, flags, [name]) {
    const ref = parseNormalized(name!);
    if (ref.digest !== undefined) throw new BerthError('InvalidArgument', 'cannot push a digest reference');
    const all = flags['all-tags'] === true;
    if (all && ref.tag !== undefined)
      throw new BerthError('InvalidArgument', "tag can't be used with --all-tags/-a");
    const quiet = flags.quiet === true;
    if (!all && ref.tag === undefined && !quiet) cli.out('Using default tag: latest\n');
    const tag = all ? '' : (ref.tag ?? 'latest');
    const query = new URLSearchParams({ tag });
    const res = await openStream(cli, 'POST', `/images/${familiarName(ref)}/push?${query}`, {
      'X-Registry-Auth': registryAuthHeader(ref.domain),
    });
    await showProgress(cli, res, { quiet });
    return 0;
  },
};
