// Making a shim: its directory and record, the container's preparation on the built-in path, and the
// shim's start-up report. Containers (`create`) and processes added to running ones (`exec`) alike.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, messageOf, wrap } from '../../base/errors.js';
import { native } from '../../base/native.js';
import type { Process } from '../../oci/runtime-spec.js';
import {
  buildExecPlan,
  checkId,
  encodePlan,
  prepareContainer,
  readSpec,
  releaseContainer,
} from '../../runtime/index.js';
import { FILES, keyDir, readPidFile, saveRecord } from './shim-dir.js';
import { checkCreateOptions, spawnShim, type ShimCommand } from './spawn.js';
import type { CreateOptions, LogOptions, ShimRecord, ShimState } from './types.js';

/** What every shim the manager makes shares. */
export interface ShimContext {
  root: string;
  shim: string;
  init: string;
  env: NodeJS.ProcessEnv;
}

/** What `exec` needs: the process (runtime-spec `process`, as `runc exec --process` takes it). */
export interface ExecOptions {
  process: Process;
  stdin?: boolean;
  stdinOnce?: boolean;
  log?: LogOptions;
  /**
   * Built-in path only: the process waits on the exec's own exec.fifo until `start` (as a container
   * does), so that an attacher connected in between misses none of its output (docker exec).
   */
  hold?: boolean;
}

/** Makes the shim directory; fails if the key is taken. */
async function makeDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o711 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BerthError('AlreadyExists', `${what}: it already has a shim`);
    throw wrap(err, what);
  }
}

/** process.terminal of a bundle's config.json; the runtime validates the rest itself. */
function bundleTerminal(bundle: string): boolean {
  const path = join(bundle, 'config.json');
  let config: { process?: { terminal?: unknown } };
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as typeof config;
  } catch (err) {
    throw new BerthError('InvalidArgument', `bundle: read "${path}": ${messageOf(err)}`);
  }
  return config.process?.terminal === true;
}

/** Saves the record, runs the shim, and fills in the pids it reports. */
async function runShim(
  ctx: ShimContext,
  dir: string,
  rec: ShimRecord,
  cmd: Partial<ShimCommand>,
): Promise<void> {
  // Saved before the shim starts: a daemon that dies while it creates still finds the shim later.
  await saveRecord(dir, rec);
  rec.pid = await spawnShim(
    {
      shim: ctx.shim,
      id: rec.exec?.parent ?? rec.id,
      dir,
      runtime: rec.runtime,
      bundle: rec.bundle,
      terminal: rec.terminal,
      stdin: rec.stdin,
      stdinOnce: rec.stdinOnce,
      log: rec.log,
      ...cmd,
    },
    ctx.env,
  );
  rec.shimPid = readPidFile(join(dir, FILES.shimPid));
  await saveRecord(dir, rec);
}

function newRecord(id: string, o: CreateOptions, terminal: boolean): ShimRecord {
  return {
    id,
    bundle: o.bundle,
    runtime: o.runtime,
    terminal,
    stdin: o.stdin === true,
    stdinOnce: o.stdinOnce === true,
    log: o.log,
    shimPid: 0,
    pid: 0,
    created: new Date().toISOString(),
    started: false,
  };
}

/** A shim that creates the container (status `created` once it resolves); leaves nothing on failure. */
export async function createShim(ctx: ShimContext, o: CreateOptions): Promise<ShimState> {
  const id = checkId(o.id);
  checkCreateOptions(o);
  const dir = keyDir(ctx.root, id);
  mkdirSync(ctx.root, { recursive: true, mode: 0o711 });
  await makeDir(dir, `create container "${id}"`);
  let cgroupPaths: Record<string, string> | undefined;
  try {
    if (o.runtime.kind === 'oci') {
      const rec = newRecord(id, o, bundleTerminal(o.bundle));
      await runShim(ctx, dir, rec, {});
      return { id, status: 'created', record: rec };
    }
    const prepared = prepareContainer({
      id,
      bundle: o.bundle,
      fifoDir: dir,
      consoleSocket: join(dir, FILES.console),
    });
    cgroupPaths = prepared.cgroupPaths;
    await writeFile(join(dir, FILES.plan), prepared.plan, { mode: 0o600 });
    const rec = { ...newRecord(id, o, prepared.terminal), cgroupPaths };
    await runShim(ctx, dir, rec, { init: ctx.init, plan: join(dir, FILES.plan) });
    return { id, status: 'created', record: rec };
  } catch (err) {
    // The shim has killed what it made; what is left is ours.
    if (cgroupPaths) await releaseContainer(cgroupPaths).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw wrap(err, `create container "${id}"`);
  }
}

/**
 * A shim that runs one more process in the running container `parent` (`<runtime> exec --process
 * --detach`, or on the built-in path berth-init with an exec plan); its key is `<id>/<execId>`.
 */
export async function execShim(
  ctx: ShimContext,
  parent: ShimState,
  execId: string,
  o: ExecOptions,
): Promise<ShimState> {
  const id = parent.id;
  const what = `exec "${execId}" in container "${id}"`;
  checkId(execId);
  if (parent.status !== 'running')
    throw new BerthError('FailedPrecondition', `${what}: the container is ${parent.status}`);
  const runtime = parent.record.runtime;
  checkCreateOptions({ id, bundle: parent.record.bundle, runtime, ...o });
  const key = `${id}/${execId}`;
  const dir = keyDir(ctx.root, key);
  mkdirSync(join(keyDir(ctx.root, id), FILES.execs), { recursive: true, mode: 0o711 });
  await makeDir(dir, what);
  try {
    const processFile = join(dir, FILES.process);
    writeFileSync(processFile, JSON.stringify(o.process), { mode: 0o600 });
    const rec: ShimRecord = {
      ...newRecord(key, { id, bundle: parent.record.bundle, runtime, ...o }, o.process.terminal === true),
      exec: { parent: id, execId },
      started: true,
    };
    if (runtime.kind === 'oci') await runShim(ctx, dir, rec, { execProcess: processFile });
    else {
      // The built-in path: berth-init runs an exec plan (plan/exec.ts: join the container's namespaces
      // and cgroups, then its process steps), the same plan `berth-runtime exec` builds.
      const steps = buildExecPlan({
        spec: readSpec(parent.record.bundle),
        bundle: parent.record.bundle,
        pid: parent.record.pid,
        process: o.process,
        cgroups: Object.entries(parent.record.cgroupPaths ?? {}).map(([k, path]) => ({
          path,
          version: k === '' ? 2 : 1,
        })),
        consoleSocket: o.process.terminal === true ? join(dir, FILES.console) : undefined,
        preserveFds: 0,
      });
      if (o.hold) {
        // FIFO_DIR with the parent-side steps, FIFO_WAIT just before EXEC: build.ts's places for them.
        steps.splice(
          steps.findIndex((s) => s.op === 'PROCESS' || s.op === 'CONSOLE_SOCKET'),
          0,
          {
            op: 'FIFO_DIR',
            path: dir,
          },
        );
        steps.splice(
          steps.findIndex((s) => s.op === 'EXEC'),
          0,
          { op: 'FIFO_WAIT' },
        );
        const fifo = join(dir, FILES.fifo);
        native().mkfifo(fifo, 0o622);
        chmodSync(fifo, 0o622); // the process opens it after dropping to its user (runc's mode)
        rec.started = false;
        rec.held = true;
      }
      writeFileSync(join(dir, FILES.plan), encodePlan(steps), { mode: 0o600 });
      await runShim(ctx, dir, rec, { init: ctx.init, plan: join(dir, FILES.plan) });
    }
    return { id: key, status: rec.held ? 'created' : 'running', record: rec };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw wrap(err, what);
  }
}
