// `berth system df`: docker's summary table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE) from the legacy fields of
// GET /system/df (asked at API 1.51), and with -v the images' table with shared and unique sizes.
import { humanSize } from '../../base/human-units.js';
import type { Command } from '../command.js';
import { type ImageSummary, imageRows } from '../format/images.js';
import { renderRows } from '../format/table.js';

interface LegacyDf {
  LayersSize: number;
  Images: ImageSummary[] | null;
  Containers: { SizeRw?: number; State?: string }[] | null;
  Volumes: { UsageData?: { Size: number; RefCount: number } }[] | null;
  BuildCache: unknown[] | null;
}

const TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const HEADERS = {
  Type: 'TYPE',
  TotalCount: 'TOTAL',
  Active: 'ACTIVE',
  Size: 'SIZE',
  Reclaimable: 'RECLAIMABLE',
};
const VERBOSE_IMAGES =
  'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';

function withPercent(reclaimable: number, total: number): string {
  const size = humanSize(reclaimable, 4);
  return total > 0 ? `${size} (${Math.floor((reclaimable * 100) / total)}%)` : size;
}

/** `berth system df`. */
export const systemDf: Command = {
  name: 'system df',
  usage: 'berth system df [OPTIONS]',
  summary: 'Show docker disk usage',
  flags: [
    {
      name: 'format',
      kind: 'string',
      usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'",
    },
    { name: 'verbose', short: 'v', kind: 'bool', usage: 'Show detailed information on space usage' },
  ],
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const df = await cli.client.json<LegacyDf>('/v1.51/system/df');
    const images = df.Images ?? [];
    const containers = df.Containers ?? [];
    const volumes = df.Volumes ?? [];
    if (flags.verbose) {
      const now = Date.now();
      const rows = images.flatMap((img) => imageRows(img, { digests: false, noTrunc: false, now }));
      cli.out('Images space usage:\n\n');
      cli.out(
        renderRows(VERBOSE_IMAGES, rows, {
          Repository: 'REPOSITORY',
          Tag: 'TAG',
          ID: 'IMAGE ID',
          CreatedSince: 'CREATED',
          Size: 'SIZE',
          SharedSize: 'SHARED SIZE',
          UniqueSize: 'UNIQUE SIZE',
          Containers: 'CONTAINERS',
        }),
      );
      cli.out(
        '\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n',
      );
      cli.out('\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n');
      cli.out(
        '\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n',
      );
      return 0;
    }
    let used = 0;
    for (const i of images) if (i.Containers > 0 && i.SharedSize >= 0) used += i.Size - i.SharedSize;
    const imageReclaimable = df.LayersSize - used;
    const containerSize = containers.reduce((s, c) => s + (c.SizeRw ?? 0), 0);
    const stopped = containers.filter((c) => c.State !== 'running');
    const volumeSize = volumes.reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const unusedVolumes = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0);
    const rows = [
      {
        Type: 'Images',
        TotalCount: String(images.length),
        Active: String(images.filter((i) => i.Containers > 0).length),
        Size: humanSize(df.LayersSize, 4),
        Reclaimable: withPercent(imageReclaimable, df.LayersSize),
      },
      {
        Type: 'Containers',
        TotalCount: String(containers.length),
        Active: String(containers.length - stopped.length),
        Size: humanSize(containerSize, 4),
        Reclaimable: withPercent(
          stopped.reduce((s, c) => s + (c.SizeRw ?? 0), 0),
          containerSize,
        ),
      },
      {
        Type: 'Local Volumes',
        TotalCount: String(volumes.length),
        Active: String(volumes.length - unusedVolumes.length),
        Size: humanSize(volumeSize, 4),
        Reclaimable: withPercent(
          unusedVolumes.reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0),
          volumeSize,
        ),
      },
      { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
    ];
    const format =
      typeof flags.format === 'string' && flags.format !== '' && flags.format !== 'table'
        ? flags.format
        : TABLE;
    cli.out(
      renderRows(
        format,
        rows.map((context) => ({ context })),
        HEADERS,
      ),
    );
    return 0;
  },
};
