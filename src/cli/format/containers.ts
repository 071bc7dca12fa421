// `berth ps` rows: the fields docker's ContainerContext offers to --format, worded as docker prints them.
import { humanDuration, humanSize } from '../../base/human-units.js';
import type { Row } from './table.js';

/** GET /containers/json's items (ContainerSummary), the fields `ps` shows. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  Mounts?: { Name?: string; Source?: string }[];
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

/** The default `ps` table, and its column titles. */
export const PS_TABLE =
  'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  Ports: 'PORTS',
  Names: 'NAMES',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
  State: 'STATE',
  LocalVolumes: 'LOCAL VOLUMES',
};

/** docker's stringutils.Ellipsis: at most `max` characters, the last one "…" when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** "0.0.0.0:8080->80/tcp, 53/udp", consecutive ports folded into ranges as docker does. */
export function formatPorts(ports: ContainerSummary['Ports']): string {
  const groups = new Map<string, { priv: number; pub?: number }[]>();
  for (const p of [...ports].sort((a, b) => a.PrivatePort - b.PrivatePort)) {
    const key =
      p.PublicPort !== undefined && p.PublicPort > 0 ? `${p.IP ?? ''}|${p.Type}` : `|${p.Type}|private`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push({ priv: p.PrivatePort, pub: p.PublicPort });
  }
  const out: string[] = [];
  for (const [key, list] of groups) {
    const [ip = '', type] = key.split('|');
    let i = 0;
    while (i < list.length) {
      let j = i;
      while (
        j + 1 < list.length &&
        list[j + 1]!.priv === list[j]!.priv + 1 &&
        (list[j]!.pub === undefined || list[j + 1]!.pub === list[j]!.pub! + 1)
      )
        j++;
      const span = (a: number, b: number): string => (a === b ? String(a) : `${a}-${b}`);
      const priv = span(list[i]!.priv, list[j]!.priv);
      if (list[i]!.pub) {
        const host = ip.includes(':') ? `[${ip}]` : ip;
        out.push(`${host}:${span(list[i]!.pub!, list[j]!.pub!)}->${priv}/${type}`);
      } else out.push(`${priv}/${type}`);
      i = j + 1;
    }
  }
  return out.join(', ');
}

/** Go's time.Time String() for a Unix time: "2024-05-01 10:02:03 +0000 UTC". */
export function goTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' +0000 UTC');
}

/** The template context of one container, as docker's ContainerContext. */
export function containerRow(c: ContainerSummary, opts: { trunc: boolean; now?: number }): Row {
  const now = opts.now ?? Date.now();
  const labels = c.Labels ?? {};
  const command = opts.trunc ? ellipsis(c.Command, 20) : c.Command;
  const image = c.Image.startsWith('sha256:') && opts.trunc ? c.Image.slice(7, 19) : c.Image;
  const context: Record<string, unknown> = {
    ID: opts.trunc ? c.Id.slice(0, 12) : c.Id,
    Names: c.Names.map((n) => n.replace(/^\//, '')).join(','),
    Image: image,
    // strconv.Quote, as docker prints it: inner quotes escaped.
    Command: JSON.stringify(command),
    CreatedAt: goTime(c.Created),
    RunningFor: `${humanDuration(Math.max(0, now - c.Created * 1000))} ago`,
    Ports: formatPorts(c.Ports),
    State: c.State,
    Status: c.Status,
    Size: c.SizeRw === undefined ? '0B' : `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs ?? 0)})`,
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Mounts: (c.Mounts ?? []).map((m) => m.Name ?? m.Source ?? '').join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Name).length),
  };
  return { context, json: context };
}
