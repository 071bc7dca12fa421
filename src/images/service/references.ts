// Pointing names at images, the way docker's reference store behaves: a name moved to another image leaves
// the image it named before in place — as a dangling image ("<none>:<none>") if nothing else names it —
// and an image that gets a name is no longer dangling. Names are records (metadata images table).
import { BerthError } from '../../base/errors.js';
import type { Image, Stores } from '../../metadata/index.js';
import type { ImageCatalog } from './catalog.js';
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

/** Points record `name` at `target` (creating it); see the file comment. */
export async function setReference(
  ctx: ReferenceContext,
  name: string,
  target: Descriptor,
  labels: Record<string, string> = {},
): Promise<SetResult> {
  const images = ctx.stores.images(ctx.ns);
  const existing = find(images.list({ name }), name);
  const newId = (await ctx.catalog.resolve(target))?.configDescriptor.digest;
  let replaced: string | undefined;
  if (existing === undefined) {
    try {
      images.create({ name, target, labels });
    } catch (err) {
      // Made by a concurrent operation a moment ago: move it instead.
      if (!(err instanceof BerthError && err.code === 'AlreadyExists')) throw err;
      images.update({ name, target, labels: { ...labels } }, ['target', ...labelPaths(labels)]);
    }
  } else {
    const oldId = (await ctx.catalog.resolve(existing.target).catch(() => undefined))?.configDescriptor
      .digest;
    images.update({ name, target, labels }, ['target', ...labelPaths(labels)]);
    if (oldId !== undefined && oldId !== newId) {
      replaced = oldId;
      await keepIfUnnamed(ctx, oldId, existing.target);
    }
  }
  if (newId !== undefined && !isDanglingName(name)) await dropDangling(ctx, newId);
  return replaced === undefined ? {} : { replaced };
}

/** Removes record `name`; the image stays as dangling when `keep` and nothing else names it. */
export async function removeReference(ctx: ReferenceContext, record: Image, keep: boolean): Promise<void> {
  const id = (await ctx.catalog.resolve(record.target).catch(() => undefined))?.configDescriptor.digest;
  ctx.stores.images(ctx.ns).delete(record.name);
  if (keep && id !== undefined) await keepIfUnnamed(ctx, id, record.target);
}

/** Gives image `id` a dangling record for `target` when no record names it any more. */
async function keepIfUnnamed(ctx: ReferenceContext, id: string, target: Descriptor): Promise<void> {
  for (const r of ctx.catalog.records()) {
    const rid = (await ctx.catalog.resolve(r.target).catch(() => undefined))?.configDescriptor.digest;
    if (rid === id) return;
  }
  try {
    ctx.stores.images(ctx.ns).create({ name: danglingName(target.digest), target });
  } catch (err) {
    if (!(err instanceof BerthError && err.code === 'AlreadyExists')) throw err;
  }
}

/** Deletes the dangling records of image `id` (it has a name now). */
async function dropDangling(ctx: ReferenceContext, id: string): Promise<void> {
  for (const r of ctx.catalog.records()) {
    if (!isDanglingName(r.name)) continue;
    const rid = (await ctx.catalog.resolve(r.target).catch(() => undefined))?.configDescriptor.digest;
    if (rid === id) ctx.stores.images(ctx.ns).delete(r.name);
  }
}

function find(list: Image[], name: string): Image | undefined {
  return list.find((i) => i.name === name);
}

function labelPaths(labels: Record<string, string>): string[] {
  return Object.keys(labels).map((k) => `labels.${k}`);
}
