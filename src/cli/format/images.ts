// `berth images` rows: docker's image formatter (cli/command/formatter/image.go) — a row per tag, digests
// joined to their repository's tags (or rows of their own with "<none>" tags), "<none>" rows for dangling
// images — and the fields it offers to --format, worded as docker prints them.
import { humanDuration, humanSize } from '../../base/human-units.js';
import { familiarName, parseNormalized } from '../../images/reference/index.js';
import type { Row } from './table.js';

/** GET /images/json's items, the fields the CLI shows. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

/** The default tables, and the column titles. */
export const IMAGES_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_DIGESTS_TABLE =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'SIZE',
  Containers: 'CONTAINERS',
};

/** Go's time.Time.String() layout docker uses for CreatedAt: "2006-01-02 15:04:05 -0700 MST" (UTC here). */
export function goTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

/** docker's stringid.TruncateID: 12 hex digits, the algorithm dropped. */
export function truncateId(id: string): string {
  return (id.includes(':') ? id.slice(id.indexOf(':') + 1) : id).slice(0, 12);
}

/** The rows of one image. */
export function imageRows(
  img: ImageSummary,
  opts: { digests: boolean; noTrunc: boolean; now?: number },
): Row[] {
  const pairs: { repo: string; tag: string; digest: string }[] = [];
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0)
    pairs.push({ repo: '<none>', tag: '<none>', digest: '<none>' });
  else {
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const t of tags) {
      const ref = safeParse(t);
      if (ref?.tag === undefined) continue;
      const repo = familiarName(ref);
      repoTags.set(repo, [...(repoTags.get(repo) ?? []), ref.tag]);
    }
    for (const d of digests) {
      const ref = safeParse(d);
      if (ref?.digest === undefined) continue;
      const repo = familiarName(ref);
      repoDigests.set(repo, [...(repoDigests.get(repo) ?? []), ref.digest]);
    }
    for (const [repo, list] of repoTags) {
      const ds = opts.digests ? (repoDigests.get(repo) ?? []) : [];
      repoDigests.delete(repo);
      for (const tag of list) {
        if (ds.length === 0) pairs.push({ repo, tag, digest: '<none>' });
        else for (const digest of ds) pairs.push({ repo, tag, digest });
      }
    }
    for (const [repo, ds] of repoDigests) {
      if (opts.digests) for (const digest of ds) pairs.push({ repo, tag: '<none>', digest });
      else pairs.push({ repo, tag: '<none>', digest: '<none>' });
    }
  }
  const now = opts.now ?? Date.now();
  const id = opts.noTrunc ? img.Id : truncateId(img.Id);
  const size = humanSize(img.Size);
  return pairs.map(({ repo, tag, digest }) => {
    const context = {
      ID: id,
      Repository: repo,
      Tag: tag,
      Digest: digest,
      CreatedSince: `${humanDuration(Math.max(0, now - img.Created * 1000))} ago`,
      CreatedAt: goTime(img.Created * 1000),
      Size: size,
      VirtualSize: size,
      SharedSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize),
      UniqueSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize),
      Containers: img.Containers < 0 ? 'N/A' : String(img.Containers),
    };
    return { context };
  });
}

function safeParse(text: string): ReturnType<typeof parseNormalized> | undefined {
  try {
    return parseNormalized(text);
  } catch {
    return undefined;
  }
}
