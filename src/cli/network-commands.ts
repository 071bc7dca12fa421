// The `network` management command's subcommands by their two-word names (main.ts merges them into its
// table), loaded when used.
import type { Command } from './command.js';

const load = async (): Promise<typeof import('./commands/network.js')> => import('./commands/network.js');

/** Network commands by name. */
export const NETWORK_COMMANDS: Record<string, () => Promise<Command>> = {
  'network create': async () => (await load()).networkCreate,
  'network ls': async () => (await load()).networkLs,
  'network list': async () => (await load()).networkLs,
  'network inspect': async () => (await load()).networkInspect,
  'network rm': async () => (await load()).networkRm,
  'network remove': async () => (await load()).networkRm,
  'network connect': async () => (await load()).networkConnect,
  'network disconnect': async () => (await load()).networkDisconnect,
  'network prune': async () => (await load()).networkPrune,
};
