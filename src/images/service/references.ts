// Pointing names at images, the way docker's reference store behaves: a name moved to another image leaves
// the image it named before in place — as a dangling image ("<none>:<none>") if nothing else names it —
// and an image that gets a name is no longer dangling. Names are records (metadata images table).
import { BerthError } from '../../base/errors.js';
import type { Image, Stores } from '../../metadata/index.js';
import { type ImageCatalog, PLATFORM_LABEL } from './catalog.js';
import { danglingName, isDanglingName } from './names.js';
import type { Descriptor } from './types.js';

/** The record operations a name change needs. */
export interface ReferenceContext {
  stores: Stores;
  ns: string;
  catalog: ImageCatalog;
}

/** What setReference did. */
export interface SetResult {
  /** The ID of the image the name pointed at before, when it pointed elsewhere. */
  replaced?: string;
}

/** Points record `name` at `target` (creating it); see the file comment. A label set to undefined is removed. */
export async function setReference(
  ctx: ReferenceContext,
  name: string,
  target: Descriptor,
  labels: Record<string, string | undefined> = {},
): Promise<SetResult> {
  const images = ctx.stores.images(ctx.ns);
  const existing = find(images.list({ name }), name);
  const set = Object.fromEntries(
    Object.entries(labels).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const newId = await ctx.catalog.idOf({ target, labels: set });
  let replaced: string | undefined;
  if (existing === undefined) {
    try {
      images.create({ name, target, labels: set });
    } catch (err) {
      // Made by a concurrent operation a moment ago: move it instead.
      if (!(err instanceof BerthError && err.code === 'AlreadyExists')) throw err;
      images.update({ name, target, labels: set }, ['target', ...labelPaths(labels)]);
    }
  } else {
    const oldId = await ctx.catalog.idOf(existing);
    // labels.<key> paths missing from `set` remove those labels (metadata's update).
    images.update({ name, target, labels: set }, ['target', ...labelPaths(labels)]);
    if (oldId !== undefined && oldId !== newId) {
      replaced = oldId;
      await keepIfUnnamed(ctx, oldId, existing);
    }
  }
  if (newId !== undefined && !isDanglingName(name)) await dropDangling(ctx, newId);
  return replaced === undefined ? {} : { replaced };
}

/** Gives image `id` a dangling record like `record` (target and platform) when no record names it any more. */
export async function keepIfUnnamed(
  ctx: ReferenceContext,
  id: string,
  record: Pick<Image, 'target' | 'labels'>,
): Promise<void> {
  for (const r of ctx.catalog.records()) {
    if ((await ctx.catalog.idOf(r)) === id) return;
  }
  const platform = record.labels[PLATFORM_LABEL];
  try {
    ctx.stores.images(ctx.ns).create({
      name: danglingName(id),
      target: record.target,
      labels: platform === undefined ? {} : { [PLATFORM_LABEL]: platform },
    });
  } catch (err) {
    if (!(err instanceof BerthError && err.code === 'AlreadyExists')) throw err;
  }
}

/** Deletes the dangling records of image `id` (it has a name now). */
async function dropDangling(ctx: ReferenceContext, id: string): Promise<void> {
  for (const r of ctx.catalog.records()) {
    if (!isDanglingName(r.name)) continue;
    if ((await ctx.catalog.idOf(r)) === id) ctx.stores.images(ctx.ns).delete(r.name);
  }
}

function find(list: Image[], name: string): Image | undefined {
  return list.find((i) => i.name === name);
}

function labelPaths(labels: Record<string, string | undefined>): string[] {
  return Object.keys(labels).map((k) => `labels.${k}`);
}
