// A CRI container's stop signal (api.proto ContainerConfig.stop_signal and ContainerStatus.stop_signal):
// the config's, else the image's StopSignal, else SIGTERM, as containerd decides it. CRI names signals by
// its Signal enum, in which SIGRTMINPLUS3 is SIGRTMIN+3 and SIGRTMAXMINUS1 is SIGRTMAX-1; images name
// them as docker does (`SIGQUIT`, `QUIT`, `3`, `SIGRTMIN+3`).
import { constants } from 'node:os';
import { BerthError } from '../../base/errors.js';
import { parseSignal, signalByName, SIGRTMAX, SIGRTMIN } from '../../runtime/index.js';

/** Enum names that are other names of a signal Node knows by its usual one. */
const ALIASES: Record<string, string> = { SIGCLD: 'SIGCHLD', SIGIOT: 'SIGABRT', SIGPOLL: 'SIGIO' };

const SIGNALS = constants.signals as Record<string, number>;

/** The name the enum reports for each number: the usual one (SIGABRT, never SIGIOT). */
const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(SIGNALS)) if (!(name in ALIASES) && !NAMES.has(n)) NAMES.set(n, name);

/** The number of a CRI Signal enum name; undefined for RUNTIME_DEFAULT (or nothing). */
export function criSignalNumber(name: string | undefined): number | undefined {
  if (!name || name === 'RUNTIME_DEFAULT') return undefined;
  const n = signalByName(ALIASES[name] ?? name.replace('PLUS', '+').replace('MINUS', '-'));
  if (n === undefined)
    throw new BerthError('InvalidArgument', `config.stop_signal: "${name}" is not a signal`);
  return n;
}

/** The CRI Signal enum name of a signal number. */
export function criSignalName(n: number): string {
  if (n === SIGRTMIN) return 'SIGRTMIN';
  if (n === SIGRTMAX) return 'SIGRTMAX';
  if (n > SIGRTMIN && n < SIGRTMAX)
    return n - SIGRTMIN <= 15 ? `SIGRTMINPLUS${n - SIGRTMIN}` : `SIGRTMAXMINUS${SIGRTMAX - n}`;
  return NAMES.get(n) ?? 'RUNTIME_DEFAULT';
}

/** The number of an image's StopSignal (docker's forms); InvalidArgument naming it otherwise. */
export function imageSignalNumber(text: string): number {
  try {
    return parseSignal(text.trim());
  } catch {
    throw new BerthError('InvalidArgument', `image StopSignal "${text}" is not a signal`);
  }
}

/** The stop signal of a container: its config's, the image's, or SIGTERM. */
export function stopSignalOf(configSignal: string | undefined, imageStopSignal: string | undefined): number {
  return (
    criSignalNumber(configSignal) ?? (imageStopSignal ? imageSignalNumber(imageStopSignal) : SIGNALS.SIGTERM!)
  );
}
