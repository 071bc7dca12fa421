// `berth images` / `berth image ls`: docker's flags, default table and --format fields (format/images.ts).
import type { Command } from '../command.js';
import { filtersQuery } from '../filter-flags.js';
import {
  IMAGES_DIGESTS_TABLE,
  IMAGES_HEADERS,
  IMAGES_TABLE,
  type ImageSummary,
  imageRows,
} from '../format/images.js';
import { renderRows } from '../format/table.js';

/** `berth images`. */
export const images: Command = {
  name: 'images',
  usage: 'berth images [OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', usage: 'Show digests' },
    { name: 'filter', short: 'f', kind: 'list', usage: 'Filter output based on conditions provided' },
    {
      name: 'format',
      kind: 'string',
      usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'",
    },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
  ],
  args: { min: 0, max: 1 },
  async run(cli, flags, args) {
    const query = new URLSearchParams();
    if (flags.all) query.set('all', '1');
    const filters = filtersQuery(
      flags.filter as string[] | undefined,
      args[0] ? [['reference', args[0]]] : [],
    );
    if (filters) query.set('filters', filters);
    const list = await cli.client.json<ImageSummary[]>(`/images/json?${query}`);
    const digests = flags.digests === true;
    const noTrunc = flags['no-trunc'] === true;
    const now = Date.now();
    const rows = list.flatMap((img) => imageRows(img, { digests, noTrunc, now }));
    let format = typeof flags.format === 'string' && flags.format !== '' ? flags.format : undefined;
    if (flags.quiet) format = '{{.ID}}';
    if (format === undefined || format === 'table') format = digests ? IMAGES_DIGESTS_TABLE : IMAGES_TABLE;
    cli.out(renderRows(format, rows, IMAGES_HEADERS));
    return 0;
  },
};
