// `berth history`: docker's table (IMAGE CREATED CREATED BY SIZE COMMENT), -H, --no-trunc, -q, --format.
import { humanDuration, humanSize } from '../../base/human-units.js';
import type { Command } from '../command.js';
import { truncateId } from '../format/images.js';
import { renderRows } from '../format/table.js';

interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

const TABLE = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const HEADERS: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** docker's formatter.Ellipsis: at most `max` characters, the last one "…" when cut. */
function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** `berth history`. */
export const history: Command = {
  name: 'history',
  usage: 'berth history [OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  flags: [
    {
      name: 'format',
      kind: 'string',
      usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'",
    },
    {
      name: 'human',
      short: 'H',
      kind: 'bool',
      usage: 'Print sizes and dates in human readable format',
      default: true,
    },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
  ],
  args: { min: 1, max: 1 },
  async run(cli, flags, [name]) {
    const items = await cli.client.json<HistoryItem[]>(`/images/${encodeURIComponent(name!)}/history`);
    const human = flags.human !== false;
    const trunc = flags['no-trunc'] !== true;
    const now = Date.now();
    const rows = items.map((h) => {
      const createdBy = h.CreatedBy.replace(/\t/g, ' ');
      return {
        context: {
          ID: h.Id === '<missing>' || !trunc ? h.Id : truncateId(h.Id),
          CreatedSince: human
            ? `${humanDuration(Math.max(0, now - h.Created * 1000))} ago`
            : new Date(h.Created * 1000).toISOString().replace('.000Z', 'Z'),
          CreatedAt: new Date(h.Created * 1000).toISOString().replace('.000Z', 'Z'),
          CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
          Size: human ? humanSize(h.Size) : String(h.Size),
          Comment: h.Comment,
        },
      };
    });
    let format = typeof flags.format === 'string' && flags.format !== '' ? flags.format : TABLE;
    if (flags.quiet) format = '{{.ID}}';
    if (format === 'table') format = TABLE;
    cli.out(renderRows(format, rows, HEADERS));
    return 0;
  },
};
