// `events` on the real kernel: --stats numbers come from the container's cgroup files, --interval streams
// until the container stops, and an OOM kill under a tiny memory limit produces an {"type":"oom"} event
// (v1: eventfd on memory.oom_control).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, readCgroup, removeContainer, startContainer } from './cgroups-helpers.js';
import { RUNTIME, runtimeEnv, skipUnlessRoot, TestRuntime } from './harness.js';
import { hugePageSizes, parseCpuList } from '../../../src/runtime/cgroups/stats-v1.js';

/** Targets of a process's open fds. */
function openFds(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}

interface StatsEvent {
  type: string;
  id: string;
  data?: {
    cpu: { usage: { total?: number; kernel: number; user: number } };
    cpuset: { cpus?: number[] };
    memory: { usage: { limit: number; usage?: number }; raw?: Record<string, number> };
    pids: { current?: number; limit?: number };
    hugetlb: Record<string, { failcnt: number }>;
  };
}

/** A running `events` process whose stdout lines are collected as they come. */
function streamEvents(
  rt: TestRuntime,
  args: string[],
): { pid: number; lines: string[]; exited: Promise<number> } {
  const child = spawn(RUNTIME, ['--root', rt.root, 'events', ...args], {
    env: runtimeEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(timer));
  return { pid: child.pid!, lines, exited };
}

describe('events', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  before(() => {
    rt = new TestRuntime();
  });
  after(async () => {
    await rt.cleanup();
  });

  test("--stats prints one stats event whose numbers are the cgroup's", async () => {
    const c = await startContainer(rt, ['/bin/sh', '-c', 'sleep 300 & sleep 300 & wait'], (s) => {
      s.linux!.resources = { memory: { limit: 64 << 20 }, pids: { limit: 10 } };
    });
    try {
      assert.ok(await eventually(() => readCgroup(c.id, 'pids', 'pids.current') === '3'));
      const r = await rt.run(['events', '--stats', c.id]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines.length, 2, 'one line and a newline');
      const e = JSON.parse(lines[0]!) as StatsEvent;
      assert.equal(e.type, 'stats');
      assert.equal(e.id, c.id);
      const d = e.data!;
      assert.equal(d.memory.usage.limit, 64 << 20);
      assert.equal(
        d.memory.raw?.hierarchical_memory_limit,
        Number(readCgroup(c.id, 'memory', 'memory.limit_in_bytes')),
      );
      assert.ok((d.memory.usage.usage ?? 0) > 0);
      assert.equal(d.pids.current, 3);
      assert.equal(d.pids.limit, 10);
      const cpuacct = Number(readCgroup(c.id, 'cpuacct', 'cpuacct.usage'));
      assert.ok((d.cpu.usage.total ?? 0) > 0 && (d.cpu.usage.total ?? 0) <= cpuacct);
      assert.deepEqual(d.cpuset.cpus, parseCpuList(readCgroup(c.id, 'cpuset', 'cpuset.cpus')));
      assert.deepEqual(Object.keys(d.hugetlb).sort(), hugePageSizes().sort());
    } finally {
      await removeContainer(rt, c);
    }
  });

  test('--interval streams stats until the container stops', async () => {
    const c = await startContainer(rt, ['/bin/sleep', '300']);
    try {
      const ev = streamEvents(rt, ['--interval', '100ms', c.id]);
      assert.ok(await eventually(() => ev.lines.length >= 2), 'fewer than two stats lines');
      for (const line of ev.lines) assert.equal((JSON.parse(line) as StatsEvent).type, 'stats');
      assert.equal((await rt.run(['kill', c.id, 'KILL'])).code, 0);
      assert.equal(await ev.exited, 0);
    } finally {
      await removeContainer(rt, c);
    }
  });

  test('an OOM kill produces an oom event', async () => {
    // The container waits for `events` to be watching (the file appears), then blows its 16 MB limit.
    const c = await startContainer(
      rt,
      ['/bin/sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.05; done; x=a; while true; do x="$x$x"; done'],
      (s) => {
        s.linux!.resources = { memory: { limit: 16 << 20, swap: 16 << 20 } };
      },
    );
    try {
      const ev = streamEvents(rt, ['--interval', '1h', c.id]);
      // Watching means: an eventfd and memory.oom_control open (registered in cgroup.event_control next).
      assert.ok(
        await eventually(() => {
          const fds = openFds(ev.pid);
          return fds.includes('anon_inode:[eventfd]') && fds.some((f) => f.endsWith('/memory.oom_control'));
        }),
        'events never watched for OOM',
      );
      writeFileSync(join(c.bundle.rootfs, 'tmp', 'go'), '');
      assert.equal(await ev.exited, 0, 'events did not end with the container');
      assert.ok(ev.lines.length >= 1, 'no event');
      for (const line of ev.lines) assert.deepEqual(JSON.parse(line), { type: 'oom', id: c.id });
      assert.match(readCgroup(c.id, 'memory', 'memory.oom_control'), /^oom_kill [1-9]/m);
    } finally {
      await removeContainer(rt, c);
    }
  });

  test('errors: a stopped container, a bad interval', async () => {
    const c = await startContainer(rt, ['/bin/true']);
    try {
      assert.ok(await eventually(async () => (await rt.state(c.id)).status === 'stopped'));
      const r = await rt.run(['events', '--stats', c.id]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `runtime: container with id ${c.id} is not running\n`);
      const zero = await rt.run(['events', '--interval', '0s', c.id]);
      assert.equal(zero.stderr, 'runtime: duration interval must be greater than 0\n');
      const bad = await rt.run(['events', '--interval', 'often', c.id]);
      assert.equal(
        bad.stderr,
        'runtime: invalid value "often" for flag -interval: time: invalid duration "often"\n',
      );
    } finally {
      await removeContainer(rt, c);
    }
  });
});
