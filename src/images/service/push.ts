// Push of a repository's tags (POST /images/{name}/push): each tag's target goes up with the registry
// client (images/registry/push.ts: blobs, then manifests). An index whose other platforms were never
// pulled cannot be pushed whole, so then only the platform manifest held here is pushed, as docker's
// containerd store does for a partial index. Progress is per layer, named by its diff ID as dockerd names
// it when pushing (daemon/images: the layer's DiffID, truncated).
import { BerthError } from '../../base/errors.js';
import type { Stores } from '../../metadata/index.js';
import { type Reference, familiarName, parseNormalized, repositoryName } from '../reference/index.js';
import { type ProgressEvent, type RegistryClient, parseManifest, push } from '../registry/index.js';
import type { ImageCatalog } from './catalog.js';
import { ContentSink } from './content-sink.js';
import { referenceOfName } from './names.js';
import type { Descriptor } from './types.js';

/** What a push reports. */
export type PushEvent =
  | { kind: 'start'; repository: string }
  | {
      kind: 'layer';
      diffId: string;
      state: 'preparing' | 'pushing' | 'pushed' | 'exists' | 'mounted';
      current?: number;
      total?: number;
    }
  | { kind: 'pushed'; tag: string; digest: string; size: number };

/** What a push needs. */
export interface PushContext {
  stores: Stores;
  ns: string;
  catalog: ImageCatalog;
  client: RegistryClient;
}

/** Pushes `tag` of repository `name` (all its tags when `tag` is empty); see the file comment. */
export async function pushImage(
  ctx: PushContext,
  name: string,
  tag: string,
  onEvent: (e: PushEvent) => void = () => undefined,
): Promise<void> {
  const parsed = parseNormalized(name);
  if (parsed.digest !== undefined)
    throw new BerthError('InvalidArgument', `push "${name}": a digest cannot be pushed to; name a tag`);
  const repo = repositoryName(parsed);
  const wanted = tag !== '' ? tag : parsed.tag;
  const records = ctx.stores
    .images(ctx.ns)
    .list()
    .map((r) => ({ record: r, ref: referenceOfName(r.name) }))
    .filter(
      (x): x is { record: (typeof x)['record']; ref: Reference } =>
        x.ref !== undefined &&
        x.ref.digest === undefined &&
        x.ref.tag !== undefined &&
        repositoryName(x.ref) === repo &&
        (wanted === undefined || x.ref.tag === wanted),
    );
  if (records.length === 0)
    throw new BerthError(
      'NotFound',
      `An image does not exist locally with the tag: ${familiarName(parsed)}${wanted === undefined ? '' : `:${wanted}`}`,
    );
  const source = new ContentSink(ctx.stores, ctx.ns);
  onEvent({ kind: 'start', repository: familiarName(parsed) });
  for (const { record, ref } of records) {
    const resolved = await ctx.catalog.resolveRecord(record);
    if (resolved === undefined)
      throw new BerthError('NotFound', `image "${record.name}": its content is missing from the store`);
    const top = (await isComplete(ctx, record.target)) ? record.target : resolved.manifestDescriptor;
    const diffIdOf = new Map(
      resolved.manifest.layers.map((l, i) => [l.digest, resolved.diffIds[i] ?? l.digest]),
    );
    for (const l of resolved.manifest.layers)
      onEvent({ kind: 'layer', diffId: diffIdOf.get(l.digest)!, state: 'preparing' });
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind !== 'layer') return;
      const diffId = diffIdOf.get(e.digest) ?? e.digest;
      const state =
        e.state === 'uploading'
          ? 'pushing'
          : e.state === 'exists'
            ? 'exists'
            : e.state === 'mounted'
              ? 'mounted'
              : e.state === 'pushed'
                ? 'pushed'
                : undefined;
      if (state === undefined) return;
      onEvent({
        kind: 'layer',
        diffId,
        state,
        ...(state === 'pushing' ? { current: e.done, total: e.total } : {}),
      });
    };
    const result = await push(ctx.client, `${repo}:${ref.tag}`, top, { source, onProgress });
    onEvent({ kind: 'pushed', tag: ref.tag!, digest: result.digest, size: top.size });
  }
}

/** Whether every manifest an index lists is held here (a manifest is complete by itself). */
async function isComplete(ctx: PushContext, target: Descriptor): Promise<boolean> {
  const content = ctx.stores.content(ctx.ns);
  const parsed = parseManifest(
    await content.readBlob(target.digest),
    target.mediaType,
    `image "${target.digest}"`,
  );
  if (parsed.kind === 'manifest') return true;
  for (const m of parsed.index.manifests)
    if ((await content.info(m.digest).catch(() => undefined)) === undefined) return false;
  return true;
}
