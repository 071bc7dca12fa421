// The container commands by name, and `berth container <command>` (docker's management command:
// `container ls` is `ps`, `container prune` exists only there).
import type { Command } from '../command.js';

/** The container commands, loaded when used. */
export const CONTAINER_COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).run,
  create: async () => (await import('./run.js')).create,
  start: async () => (await import('./start.js')).start,
  attach: async () => (await import('./start.js')).attach,
  stop: async () => (await import('./lifecycle.js')).stop,
  restart: async () => (await import('./lifecycle.js')).restart,
  kill: async () => (await import('./lifecycle.js')).kill,
  pause: async () => (await import('./lifecycle.js')).pause,
  unpause: async () => (await import('./lifecycle.js')).unpause,
  rm: async () => (await import('./lifecycle.js')).rm,
  wait: async () => (await import('./lifecycle.js')).wait,
  ps: async () => (await import('./ps.js')).ps,
  logs: async () => (await import('./logs.js')).logs,
  exec: async () => (await import('./exec.js')).exec,
  inspect: async () => (await import('./inspect.js')).inspect,
  rename: async () => (await import('./container-misc.js')).rename,
  top: async () => (await import('./container-misc.js')).top,
  port: async () => (await import('./container-misc.js')).port,
  diff: async () => (await import('./container-misc.js')).diff,
  events: async () => (await import('./events.js')).events,
  stats: async () => (await import('./stats.js')).stats,
  cp: async () => (await import('./cp.js')).cp,
  export: async () => (await import('./cp.js')).exportCommand,
  update: async () => (await import('./update.js')).update,
  'container prune': async () => (await import('./container-misc.js')).prune,
};

const ALIASES: Record<string, string> = { ls: 'ps', list: 'ps', remove: 'rm', prune: 'container prune' };

/** `container X ...` as the command it names; other argument lists unchanged. */
export function containerSubcommand(args: string[]): string[] {
  if (args[0] !== 'container' || args.length < 2) return args;
  const sub = args[1]!;
  return [ALIASES[sub] ?? sub, ...args.slice(2)];
}
