// The legal state changes of a Docker container in one table (STYLE.md), with dockerd's refusals.
import { BerthError } from '../../../base/errors.js';
import type { ContainerState } from '../../../metadata/index.js';

/** Operations whose legality depends on the state. */
export type Operation =
  'start' | 'stop' | 'kill' | 'pause' | 'unpause' | 'exec' | 'attach' | 'remove' | 'update';

const ALLOWED: Record<Operation, readonly ContainerState[]> = {
  start: ['created', 'exited', 'running'],
  stop: ['created', 'running', 'paused', 'restarting', 'exited'],
  kill: ['running', 'paused', 'restarting'],
  pause: ['running'],
  unpause: ['paused'],
  exec: ['running'],
  attach: ['created', 'running', 'paused', 'restarting', 'exited'],
  remove: ['created', 'exited', 'dead'],
  update: ['created', 'running', 'paused', 'exited', 'restarting'],
};

/** Whether `op` may run on a container in `state`. */
export function can(op: Operation, state: ContainerState): boolean {
  return ALLOWED[op].includes(state);
}

/** Throws dockerd's error when `op` may not run on a container in `state`. */
export function check(op: Operation, state: ContainerState, id: string, name = id): void {
  if (can(op, state)) return;
  const short = `/${name}`;
  const messages: Partial<Record<Operation, string>> = {
    kill: `cannot kill container: ${id}: container ${id} is not running`,
    pause: state === 'paused' ? `container ${id} is already paused` : `container ${id} is not running`,
    unpause: `container ${id} is not paused`,
    exec:
      state === 'paused'
        ? `container ${id} is paused, unpause the container before exec`
        : `container ${id} is not running`,
    remove:
      state === 'paused'
        ? `cannot remove container "${short}": container is paused and must be unpaused first`
        : `cannot remove container "${short}": container is ${state}: stop the container before removing or force remove`,
    start: `cannot start a ${state} container`,
  };
  throw new BerthError('FailedPrecondition', messages[op] ?? `container ${id} is ${state}`);
}
