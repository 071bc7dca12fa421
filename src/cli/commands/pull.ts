// `berth pull`: docker pull's flags and output. The reference is read as docker reads it; "Using default
// tag: latest" when it has neither tag nor digest; the daemon's progress stream is drawn as docker draws it
// (format/json-messages.ts); the full reference pulled is the last line (the only one with -q).
import { BerthError } from '../../base/errors.js';
import {
  familiarName,
  formatReference,
  parseNormalized,
  withDefaultTag,
} from '../../images/reference/index.js';
import type { Command } from '../command.js';
import { registryAuthHeader } from '../registry-credentials.js';
import { openStream, showProgress } from '../streamed-request.js';

/** `berth pull`. */
export const pull: Command = {
  name: 'pull',
  usage: 'berth pull [OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Download all tagged images in the repository' },
    { name: 'disable-content-trust', kind: 'bool', usage: 'Skip image verification', default: true },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(cli, flags, [name]) {
    if (flags['all-tags'])
      throw new BerthError('InvalidArgument', 'pulling all tags (-a) is not supported: name a tag');
    const ref = parseNormalized(name!);
    const quiet = flags.quiet === true;
    if (ref.tag === undefined && ref.digest === undefined && !quiet) cli.out('Using default tag: latest\n');
    const full = withDefaultTag(ref);
    const query = new URLSearchParams({
      fromImage: familiarName(full),
      tag: full.digest ?? full.tag ?? 'latest',
    });
    if (typeof flags.platform === 'string' && flags.platform !== '') query.set('platform', flags.platform);
    const res = await openStream(cli, 'POST', `/images/create?${query}`, {
      'X-Registry-Auth': registryAuthHeader(ref.domain),
    });
    await showProgress(cli, res, { quiet });
    cli.out(`${formatReference(full)}\n`);
    return 0;
  },
};
