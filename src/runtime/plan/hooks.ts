// Puts config.json's hooks into a container's plan, where config.md "POSIX-platform Hooks" and runtime.md
// "Lifecycle" want them:
//   prestart, createRuntime   RUNTIME_HOOK records, run by berth-init's hook runner (in the runtime's
//                             namespaces) while the container process waits at RUNTIME_HOOKS, just
//                             before PIVOT: its namespaces and mounts are made, pivot_root is not done
//   createContainer           HOOK steps right after, run by the container process itself: its
//                             namespaces, before pivot_root, so the path resolves in the runtime's tree
//   startContainer            HOOK steps after FIFO_WAIT (`start`), before EXEC: in the container, after
//                             pivot_root, with its user and settings, so the path resolves in it
// poststart and poststop run from `start` and `delete` (src/runtime/hooks.ts). Each hook's stdin is the
// state of runtime.md "State" with status "creating" (create) or "created" (startContainer), as runc.
import type { Hook, Spec, State } from '../../oci/runtime-spec.js';
import { OCI_VERSION } from '../../oci/runtime-spec.js';
import type { HookCall, Step } from './ops.js';

/** What the hooks of a plan need to know about the container. */
export interface HookInput {
  spec: Spec;
  id: string;
  bundle: string;
  /** The rootfs on the host: createContainer hooks start there (before pivot_root), as runc's do. */
  rootfs: string;
}

/** The hook kinds of config.md, as `hooks` names them. */
export type HookKind =
  'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/** The state JSON a hook reads, split around its pid (known only once the container process exists). */
export function hookState(
  id: string,
  bundle: string,
  annotations: Record<string, string> | undefined,
  status: State['status'],
): { head: string; tail: string } {
  const marker = 4242424242;
  const text = JSON.stringify({
    ociVersion: OCI_VERSION,
    id,
    status,
    pid: marker,
    bundle,
    annotations: annotations ?? {},
  });
  const at = text.indexOf(String(marker));
  return { head: text.slice(0, at), tail: text.slice(at + String(marker).length) };
}

/** The HookCalls of one kind, in order (`prestart hook #0`, ...). */
export function hookCalls(
  kind: HookKind,
  hooks: readonly Hook[] | undefined,
  state: { head: string; tail: string },
  cwd: string,
): HookCall[] {
  return (hooks ?? []).map((h, i) => ({
    label: `${kind} hook #${i}`,
    path: h.path,
    args: h.args ?? [],
    env: h.env ?? [],
    timeout: h.timeout ?? 0,
    cwd,
    stateHead: state.head,
    stateTail: state.tail,
  }));
}

/** `steps` (a container's plan from buildPlan) with the container's create and start hooks in place. */
export function addHooks(steps: readonly Step[], input: HookInput): Step[] {
  const hooks = input.spec.hooks ?? {};
  const creating = hookState(input.id, input.bundle, input.spec.annotations, 'creating');
  const created = hookState(input.id, input.bundle, input.spec.annotations, 'created');
  // Runtime-namespace hooks start in the bundle, as runc's do when an engine runs runc there.
  const runtime = [
    ...hookCalls('prestart', hooks.prestart, creating, input.bundle),
    ...hookCalls('createRuntime', hooks.createRuntime, creating, input.bundle),
  ].map((c): Step => ({ op: 'RUNTIME_HOOK', ...c }));
  const createContainer = hookCalls('createContainer', hooks.createContainer, creating, input.rootfs).map(
    (c): Step => ({ op: 'HOOK', ...c }),
  );
  const startContainer = hookCalls(
    'startContainer',
    hooks.startContainer,
    created,
    input.spec.process!.cwd,
  ).map((c): Step => ({ op: 'HOOK', ...c }));
  const out: Step[] = [];
  for (const step of steps) {
    if (step.op === 'PIVOT') {
      if (runtime.length) out.push(...runtime, { op: 'RUNTIME_HOOKS' });
      out.push(...createContainer);
    }
    out.push(step);
    if (step.op === 'FIFO_WAIT') out.push(...startContainer);
  }
  return out;
}
