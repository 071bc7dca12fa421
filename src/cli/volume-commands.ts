// The `volume` management command's subcommands by their two-word names (main.ts merges them into its
// table), loaded when used.
import type { Command } from './command.js';

const load = async (): Promise<typeof import('./commands/volume.js')> => import('./commands/volume.js');

/** Volume commands by name. */
export const VOLUME_COMMANDS: Record<string, () => Promise<Command>> = {
  'volume create': async () => (await load()).volumeCreate,
  'volume ls': async () => (await load()).volumeLs,
  'volume list': async () => (await load()).volumeLs,
  'volume inspect': async () => (await load()).volumeInspect,
  'volume rm': async () => (await load()).volumeRm,
  'volume remove': async () => (await load()).volumeRm,
  'volume prune': async () => (await load()).volumePrune,
};
