// Published-port bookkeeping without publishing anything: normalisation, clashes, the ephemeral range,
// and random ports avoiding those already taken (the host's own sockets are probed by a stand-in here).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ephemeralRange,
  mappingsClash,
  normalizeMapping,
  resolvePortMappings,
} from '../../../src/network/ports.js';

describe('published ports', () => {
  test('mappings are normalised: 0.0.0.0 is "every address", tcp by default, bad values named', () => {
    assert.deepEqual(
      normalizeMapping({ hostPort: 80, containerPort: 8080, protocol: 'tcp', hostIP: '0.0.0.0' }),
      {
        hostPort: 80,
        containerPort: 8080,
        protocol: 'tcp',
      },
    );
    assert.deepEqual(normalizeMapping({ hostPort: 0, containerPort: 53, protocol: 'udp' }, '127.0.0.1'), {
      hostPort: 0,
      containerPort: 53,
      protocol: 'udp',
      hostIP: '127.0.0.1',
    });
    assert.throws(() => normalizeMapping({ hostPort: 1, containerPort: 70000, protocol: 'tcp' }), {
      message: 'invalid containerPort: 70000',
    });
    assert.throws(() => normalizeMapping({ hostPort: -1, containerPort: 1, protocol: 'tcp' }), {
      message: 'invalid hostPort: -1',
    });
    assert.throws(() => normalizeMapping({ hostPort: 1, containerPort: 1, protocol: 'icmp' as 'tcp' }), {
      message: 'invalid proto: icmp',
    });
    assert.throws(() => normalizeMapping({ hostPort: 1, containerPort: 1, protocol: 'tcp', hostIP: '::1' }), {
      message: 'invalid host IP "::1": only IPv4 addresses can be published',
    });
  });

  test('clashes: same protocol and port, and addresses equal or one of them every address', () => {
    const all = { hostPort: 8080, containerPort: 80, protocol: 'tcp' as const };
    const lo = { ...all, hostIP: '127.0.0.1' };
    assert.ok(mappingsClash(all, lo));
    assert.ok(mappingsClash(lo, { ...lo, containerPort: 81 }));
    assert.ok(!mappingsClash(lo, { ...lo, hostIP: '127.0.0.2' }));
    assert.ok(!mappingsClash(all, { ...all, protocol: 'udp' }));
    assert.ok(!mappingsClash(all, { ...all, hostPort: 8081 }));
  });

  test("the kernel's ephemeral range, with dockerd's fallback", () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-ports-'));
    try {
      writeFileSync(join(dir, 'range'), '40000\t40100\n');
      assert.deepEqual(ephemeralRange(join(dir, 'range')), [40000, 40100]);
      assert.deepEqual(ephemeralRange(join(dir, 'missing')), [49153, 65535]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("random ports skip those taken; an explicit taken one is refused with docker's message", async () => {
    const taken = [
      { hostPort: 41000, containerPort: 1, protocol: 'tcp' as const },
      { hostPort: 41001, containerPort: 1, protocol: 'tcp' as const },
    ];
    const got = await resolvePortMappings(
      [
        { hostPort: 0, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' },
        { hostPort: 0, containerPort: 81, protocol: 'tcp', hostIP: '127.0.0.1' },
      ],
      taken,
      { range: [41000, 41003], probe: async () => true },
    );
    assert.deepEqual(got.map((m) => m.hostPort).sort(), [41002, 41003]);
    await assert.rejects(
      resolvePortMappings([{ hostPort: 0, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' }], taken, {
        range: [41000, 41001],
        probe: async () => true,
      }),
      { code: 'Unavailable', message: 'no free tcp host port in 41000-41001 for 127.0.0.1:0' },
    );
    await assert.rejects(
      resolvePortMappings([{ hostPort: 41001, containerPort: 9, protocol: 'tcp' }], taken),
      {
        code: 'AlreadyExists',
        message: 'Bind for 0.0.0.0:41001 failed: port is already allocated',
      },
    );
  });
});
