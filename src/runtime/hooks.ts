// The hooks that run outside the container's plan: poststart (from `start`, once the program runs) and
// poststop (once the container is deleted), both in the runtime's namespaces (config.md "POSIX-platform
// Hooks"). They go through `berth-init hooks`, the same runner as the create-time hooks, so timeouts,
// environment, stdin and errors are the same for all six kinds (native/init/hook.c).
import { messageOf } from '../base/errors.js';
import type { RuntimeContext } from './context.js';
import { warn } from './context.js';
import { runHooksWithInit } from './init-process.js';
import { encodePlan } from './plan/encode.js';
import { hookCalls, hookState } from './plan/hooks.js';
import type { ContainerRecord } from './state/store.js';

/** Runs the poststart hooks with the state "running"; throws the first failure (runtime.md step 9). */
export function runPoststart(rec: ContainerRecord): void {
  const hooks = rec.spec.hooks?.poststart;
  if (!hooks?.length) return;
  const state = hookState(rec.id, rec.bundle, rec.annotations, 'running');
  const calls = hookCalls('poststart', hooks, state, rec.bundle);
  runHooksWithInit(encodePlan(calls.map((c) => ({ op: 'RUNTIME_HOOK', ...c }))), rec.pid);
}

/**
 * Runs every poststop hook with the state "stopped" (runtime.md step 13): a failing one is a warning, and
 * the rest run as if it had succeeded.
 */
export function runPoststop(
  ctx: RuntimeContext,
  rec: Pick<ContainerRecord, 'id' | 'bundle' | 'annotations' | 'spec' | 'pid'>,
): void {
  const hooks = rec.spec.hooks?.poststop;
  if (!hooks?.length) return;
  const state = hookState(rec.id, rec.bundle, rec.annotations, 'stopped');
  for (const call of hookCalls('poststop', hooks, state, rec.bundle)) {
    try {
      runHooksWithInit(encodePlan([{ op: 'RUNTIME_HOOK', ...call }]), rec.pid);
    } catch (err) {
      warn(ctx, messageOf(err));
    }
  }
}
