// Statistics: Go's JSON rules for runc's types.Event (omitempty, sorted maps, u64 digits), the v1 file
// parsers, and v2 stats read from a scratch directory laid out like cgroup2.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { emptyStats, eventLine } from '../../../../src/runtime/cgroups/stats-types.js';
import {
  parseBlkio,
  parseCpuList,
  parseKeyValues,
  parseU64,
} from '../../../../src/runtime/cgroups/stats-v1.js';
import { v2Stats } from '../../../../src/runtime/cgroups/stats-v2.js';
import { parseGoDuration } from '../../../../src/runtime/commands/events.js';

test('an empty stats event is encoded as runc encodes it', () => {
  assert.equal(
    eventLine('stats', 'c1', emptyStats()),
    '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},' +
      '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,' +
      '"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
      '"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},' +
      '"kernelTCP":{"limit":0,"failcnt":0}},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}\n',
  );
  assert.equal(eventLine('oom', 'c1'), '{"type":"oom","id":"c1"}\n');
});

test('u64 counters keep every digit; maps print sorted; blkio entries drop zero fields', () => {
  const s = emptyStats();
  s.memory.usage.limit = 9223372036854771712n;
  s.memory.swap.limit = 0xffffffffffffffffn;
  s.memory.raw = { total_rss: 5n, cache: 1n, active_anon: 0n };
  s.hugetlb = { '2MB': { usage: 4n, max: 0n, failcnt: 0n }, '1GB': { usage: 0n, max: 0n, failcnt: 1n } };
  s.blkio.ioServicedRecursive = [{ major: 254n, minor: 0n, op: 'Read', value: 3n }];
  s.cpuset.cpus = [0, 1];
  const line = eventLine('stats', 'x', s);
  assert.match(line, /"usage":\{"limit":9223372036854771712,"failcnt":0\}/);
  assert.match(line, /"swap":\{"limit":18446744073709551615,"failcnt":0\}/);
  assert.match(line, /"raw":\{"active_anon":0,"cache":1,"total_rss":5\}/);
  assert.match(line, /"hugetlb":\{"1GB":\{"failcnt":1\},"2MB":\{"usage":4,"failcnt":0\}\}/);
  assert.match(line, /"blkio":\{"ioServicedRecursive":\[\{"major":254,"op":"Read","value":3\}\]\}/);
  assert.match(line, /"cpuset":\{"cpus":\[0,1\],"cpu_exclusive":0/);
});

test('v1 file parsers', () => {
  assert.equal(parseU64('max\n'), 0xffffffffffffffffn);
  assert.equal(parseU64('-1'), 0n);
  assert.equal(parseU64('12\n'), 12n);
  assert.equal(parseU64('x'), undefined);
  assert.deepEqual(parseKeyValues('user 5\nsystem 7\n\n'), { user: 5n, system: 7n });
  assert.deepEqual(parseCpuList('0-2,5\n'), [0, 1, 2, 5]);
  assert.deepEqual(parseCpuList(''), []);
  assert.deepEqual(parseBlkio('254:0 Read 4096\n254:0 Write 0\nTotal 4096\n'), [
    { major: 254n, minor: 0n, op: 'Read', value: 4096n },
    { major: 254n, minor: 0n, op: 'Write', value: 0n },
  ]);
});

test('v2 stats from a scratch directory laid out like cgroup2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cg2-stats-'));
  try {
    const files: Record<string, string> = {
      'cpu.stat':
        'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n',
      'memory.stat': 'anon 4096\nfile 8192\n',
      'memory.current': '12288\n',
      'memory.max': '67108864\n',
      'memory.peak': '20480\n',
      'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
      'memory.swap.current': '100\n',
      'memory.swap.max': 'max\n',
      'io.stat': '254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n',
      'pids.current': '3\n',
      'pids.max': 'max\n',
    };
    for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), v);
    const s = emptyStats();
    v2Stats(s, dir, new Set(['cpu', 'memory', 'io', 'pids']));
    assert.equal(s.cpu.usage.total, 1_500_000n);
    assert.equal(s.cpu.usage.user, 1_000_000n);
    assert.equal(s.cpu.usage.kernel, 500_000n);
    assert.deepEqual(s.cpu.throttling, { periods: 4n, throttledPeriods: 1n, throttledTime: 20_000n });
    assert.equal(s.memory.cache, 8192n);
    assert.deepEqual(s.memory.usage, { limit: 67108864n, usage: 12288n, max: 20480n, failcnt: 3n });
    // v1-style memory+swap: swap usage includes memory; an unlimited swap stays unlimited.
    assert.deepEqual(s.memory.swap, { limit: 0xffffffffffffffffn, usage: 12388n, max: 0n, failcnt: 0n });
    assert.deepEqual(s.pids, { current: 3n, limit: 0n });
    assert.deepEqual(
      s.blkio.ioServiceBytesRecursive.map((e) => `${e.op}=${e.value}`),
      ['Read=4096', 'Write=8192', 'Discard=0'],
    );
    assert.deepEqual(
      s.blkio.ioServicedRecursive.map((e) => `${e.op}=${e.value}`),
      ['Read=1', 'Write=2', 'Discard=0'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Go durations for --interval', () => {
  assert.equal(parseGoDuration('interval', '5s'), 5000);
  assert.equal(parseGoDuration('interval', '100ms'), 100);
  assert.equal(parseGoDuration('interval', '1m30s'), 90_000);
  assert.equal(parseGoDuration('interval', '1.5h'), 5_400_000);
  assert.equal(parseGoDuration('interval', '0'), 0);
  assert.equal(parseGoDuration('interval', '-2s'), -2000);
  for (const bad of ['', '5', 'soon', '5 s', '1x'])
    assert.throws(() => parseGoDuration('interval', bad), {
      message: `invalid value "${bad}" for flag -interval: time: invalid duration "${bad}"`,
    });
});
