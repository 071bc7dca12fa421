// Crash survival (DESIGN.md "Daemon <-> shim contract"): a daemon process running the shim manager
// starts 20 containers that print periodically, and is killed with SIGKILL. Every container keeps
// running and its log keeps growing; five of them exit while no daemon runs; a new manager re-adopts the
// live ones and reports the right exit codes for the others; no log line is lost or repeated.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ShimManager, type ExitStatus, type LogOptions } from '../../../src/daemon/shim-client/index.js';
import { runtimeEnv, skipUnlessRoot } from '../runtime/harness.js';
import { alive, parseCri, parseJsonFile, until, ShimTest } from './harness.js';
import { readPidFile } from '../../../src/daemon/shim-client/shim-dir.js';

const COUNT = 20;
const SHORT = 5; // containers 0..4 exit (with 10 + k) once /signal/go appears, while no daemon runs

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The log's lines in order, whatever the format; every record must be a full line on stdout. */
function logLines(log: LogOptions, text: string): string[] {
  if (log.format === 'cri')
    return parseCri(text).map((r) => {
      assert.deepEqual([r.stream, r.tag], ['stdout', 'F'], JSON.stringify(r));
      return r.content;
    });
  return parseJsonFile(text).map((r) => {
    assert.equal(r.stream, 'stdout');
    assert.ok(r.log.endsWith('\n'), JSON.stringify(r));
    return r.log.slice(0, -1);
  });
}

describe('crash survival', { skip: skipUnlessRoot, timeout: 180_000 }, () => {
  let t: ShimTest;
  let signalDir: string;
  before(() => {
    t = new ShimTest();
    signalDir = join(t.dir, 'signal');
    mkdirSync(signalDir);
  });
  after(async () => {
    await t.cleanup();
  });

  test('20 containers outlive a SIGKILLed daemon; a new manager adopts them and loses nothing', async () => {
    const planned: { id: string; bundle: string; log: LogOptions }[] = [];
    for (let k = 0; k < COUNT; k++) {
      const id = `crash-${process.pid}-${k}`;
      const script =
        k < SHORT
          ? `i=0; while [ ! -e /signal/go ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done; echo "line $i"; exit ${10 + k}`
          : `trap 'exit 143' TERM; i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.1; done`;
      const bundle = await t.bundle(id, ['/bin/sh', '-c', script], {
        edit: (spec) =>
          spec.mounts!.push({
            destination: '/signal',
            type: 'bind',
            source: signalDir,
            options: ['rbind', 'ro'],
          }),
      });
      planned.push({ id, bundle, log: { path: t.logPath(id), format: k % 2 ? 'json-file' : 'cri' } });
    }
    const list = join(t.dir, 'containers.json');
    writeFileSync(list, JSON.stringify(planned));

    const daemon = spawn(
      process.execPath,
      [fileURLToPath(new URL('./crash-daemon.js', import.meta.url)), t.manager.root, list],
      { env: runtimeEnv(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const gone = new Promise((r) => daemon.once('exit', r));
    const ready = await new Promise<string>((resolve) => {
      let out = '';
      daemon.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      daemon.once('exit', () => resolve(out));
    });
    assert.equal(ready, '{"ready":true}', 'the daemon started every container');
    daemon.kill('SIGKILL'); // by its pid: only the process this test started
    await gone;

    // Every container and every shim lives on, and every log keeps growing.
    const dirs = planned.map((c) => join(t.manager.root, c.id));
    for (const dir of dirs) {
      assert.ok(alive(readPidFile(join(dir, 'shim.pid'))), `the shim in ${dir} is alive`);
      assert.ok(alive(readPidFile(join(dir, 'container.pid'))), `the container of ${dir} is alive`);
    }
    const sizes = planned.map((c) => size(c.log.path));
    await until('every log to grow', () => planned.every((c, k) => size(c.log.path) > sizes[k]!));

    // Five exit while no daemon runs.
    writeFileSync(join(signalDir, 'go'), '');
    await until('five exit files', () =>
      planned.slice(0, SHORT).every((c) => size(join(t.manager.root, c.id, 'exit')) > 0),
    );

    const manager = new ShimManager({ root: t.manager.root, env: runtimeEnv() });
    const exits = new Map<string, ExitStatus>();
    manager.on('exit', (id: string, exit: ExitStatus) => exits.set(id, exit));
    const states = new Map((await manager.adopt()).map((s) => [s.id, s]));
    assert.equal(states.size, COUNT);
    for (const [k, c] of planned.entries()) {
      const st = states.get(c.id)!;
      if (k < SHORT) {
        assert.equal(st.status, 'exited', c.id);
        assert.equal(st.exit!.exitCode, 10 + k, c.id);
        assert.equal(st.exit!.signal, 0);
      } else {
        assert.equal(st.status, 'running', c.id);
      }
    }

    // Every shim is watched: the exits of the past are events too, and stopping the rest is seen.
    for (const c of planned.slice(SHORT)) assert.equal((await manager.stop(c.id, 10_000)).exitCode, 143);
    await until('an exit event for every container', () => exits.size === COUNT);
    for (const [k, c] of planned.entries()) assert.equal(exits.get(c.id)!.exitCode, k < SHORT ? 10 + k : 143);

    // Nothing lost or repeated: line 0, 1, 2, ... with no gap, in both formats.
    for (const [k, c] of planned.entries()) {
      const lines = logLines(c.log, t.log(c.id));
      assert.ok(lines.length >= 2, `${c.id}: ${lines.length} lines`);
      assert.deepEqual(
        lines,
        lines.map((_, i) => `line ${i}`),
        `${c.id} (${c.log.format}${k < SHORT ? ', exited meanwhile' : ''})`,
      );
    }
    for (const c of planned) await manager.delete(c.id);
    assert.deepEqual(manager.list(), []);
  });
});
