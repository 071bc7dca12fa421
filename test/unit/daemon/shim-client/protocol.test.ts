// The pure parts of the shim client: frame encoding and decoding, the command line it gives berth-shim,
// option checks, signal names and a runtime's JSON log.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lastLoggedError } from '../../../../src/daemon/shim-client/oci-runtime.js';
import { signalNumber } from '../../../../src/daemon/shim-client/manager.js';
import {
  encodeFrame,
  FrameDecoder,
  Kind,
  resizePayload,
  signalPayload,
} from '../../../../src/daemon/shim-client/protocol.js';
import { checkCreateOptions, shimArgs } from '../../../../src/daemon/shim-client/spawn.js';

describe('shim protocol frames', () => {
  test('a frame is kind, three zero bytes, a big-endian length and the payload', () => {
    assert.deepEqual(
      [...encodeFrame(Kind.SIGNAL, signalPayload(15))],
      [18, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 15],
    );
    assert.deepEqual([...resizePayload(33, 300)], [0, 33, 1, 44]);
    assert.deepEqual([...encodeFrame(Kind.WAIT)], [21, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('the decoder joins frames split anywhere and splits frames sent together', () => {
    const bytes = Buffer.concat([
      encodeFrame(Kind.STDOUT, Buffer.from('hello')),
      encodeFrame(Kind.REPLY),
      encodeFrame(Kind.STDERR, Buffer.from('x'.repeat(70_000))),
    ]);
    for (const step of [1, 3, 8, 13, 4096, bytes.length]) {
      const d = new FrameDecoder();
      const frames = [];
      for (let off = 0; off < bytes.length; off += step)
        frames.push(...d.push(bytes.subarray(off, off + step)));
      assert.deepEqual(
        frames.map((f) => [f.kind, f.payload.length]),
        [
          [1, 5],
          [32, 0],
          [2, 70_000],
        ],
        `step ${step}`,
      );
      assert.equal(frames[0]!.payload.toString(), 'hello');
    }
  });

  test('non-zero reserved bytes and oversized frames are protocol errors', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from([1, 0, 1, 0, 0, 0, 0, 0])), {
      message: 'shim protocol: frame of kind 1 has non-zero reserved bytes',
    });
    assert.throws(() => new FrameDecoder().push(Buffer.from([1, 0, 0, 0, 0x10, 0, 0, 0])), {
      message: 'shim protocol: frame of kind 1 is 268435456 bytes long',
    });
  });
});

describe('shim command line', () => {
  test('the OCI path passes the runtime, its root and flags; the built-in path berth-init and the plan', () => {
    assert.deepEqual(
      shimArgs({
        shim: '/s',
        id: 'c1',
        dir: '/run/s/c1',
        runtime: { kind: 'oci', path: '/usr/sbin/runc', root: '/run/r', args: ['--systemd-cgroup'] },
        bundle: '/b',
        terminal: true,
        stdin: true,
        stdinOnce: true,
        log: { path: '/l', format: 'json-file', maxSize: 1000, maxFiles: 3 },
      }),
      [
        ...['--id', 'c1', '--dir', '/run/s/c1', '--sync-fd', '3'],
        ...['--runtime', '/usr/sbin/runc', '--bundle', '/b', '--runtime-root', '/run/r'],
        ...['--runtime-arg=--systemd-cgroup', '--terminal', '--stdin', '--stdin-once'],
        ...[
          '--log-path',
          '/l',
          '--log-format',
          'json-file',
          '--log-max-size',
          '1000',
          '--log-max-files',
          '3',
        ],
      ],
    );
    assert.deepEqual(
      shimArgs({
        shim: '/s',
        id: 'c2',
        dir: '/d',
        runtime: { kind: 'builtin' },
        init: '/i',
        plan: '/d/plan',
        bundle: '/b',
        terminal: false,
        stdin: false,
        stdinOnce: false,
      }),
      ['--id', 'c2', '--dir', '/d', '--sync-fd', '3', '--init', '/i', '--plan', '/d/plan'],
    );
  });

  test('bad options are refused with the option named', () => {
    const base = { id: 'c', bundle: '/b', runtime: { kind: 'builtin' as const } };
    assert.throws(() => checkCreateOptions({ ...base, stdinOnce: true }), {
      message: 'stdinOnce: needs stdin',
    });
    assert.throws(() => checkCreateOptions({ ...base, runtime: { kind: 'oci', path: 'runc' } }), {
      message: 'runtime.path: "runc" must be an absolute path',
    });
    assert.throws(() => checkCreateOptions({ ...base, log: { path: 'x.log', format: 'cri' } }), {
      message: 'log.path: "x.log" must be an absolute path',
    });
    assert.throws(() => checkCreateOptions({ ...base, log: { path: '/x', format: 'syslog' as 'cri' } }), {
      message: 'log.format: "syslog" is neither "cri" nor "json-file"',
    });
    assert.throws(() => checkCreateOptions({ ...base, log: { path: '/x', format: 'cri', maxFiles: 0 } }), {
      message: 'log.maxFiles: 0 is not an integer from 1 to 1000',
    });
  });

  test('signals by number or name', () => {
    assert.equal(signalNumber('SIGKILL'), 9);
    assert.equal(signalNumber('term'), 15);
    assert.equal(signalNumber(0), 0);
    assert.equal(signalNumber('SIGRTMIN+3'), 37, "docker's --stop-signal form");
    assert.throws(() => signalNumber('SIGNOPE'), { message: 'signal: "SIGNOPE" is not a signal name' });
    assert.throws(() => signalNumber(65), { message: 'signal: 65 is not a signal number' });
  });

  test("a runtime's error is the last error line of its JSON log", () => {
    const log = [
      '{"level":"error","msg":"first","time":"t"}',
      '{"level":"warning","msg":"later warning","time":"t"}',
      '{"msg": "crun spacing", "level": "error", "time": "t"}',
      'not json',
      '',
    ].join('\n');
    assert.equal(lastLoggedError(log), 'crun spacing');
    assert.equal(lastLoggedError('{"level":"info","msg":"x"}'), undefined);
  });
});
