import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerRow,
  ellipsis,
  formatPorts,
  PS_HEADERS,
  PS_TABLE,
} from '../../../src/cli/format/containers.js';
import { renderRows } from '../../../src/cli/format/table.js';
import { statusText } from '../../../src/daemon/services/containers/status.js';

const now = Date.parse('2026-12-01T10:00:00Z');
const c = {
  Id: 'f'.repeat(64),
  Names: ['/web'],
  Image: 'busybox',
  ImageID: 'sha256:' + 'a'.repeat(64),
  Command: 'sh -c "while true; do sleep 1; done"',
  Created: now / 1000 - 120,
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '0.0.0.0', PrivatePort: 81, PublicPort: 8081, Type: 'tcp' },
    { PrivatePort: 53, Type: 'udp' },
  ],
  Labels: { tier: 'front' },
  State: 'running',
  Status: 'Up 2 minutes',
};

test('ps rows: the default table as docker lays it out', () => {
  const out = renderRows(PS_TABLE, [containerRow(c, { trunc: true, now })], PS_HEADERS);
  const lines = out.split('\n');
  assert.equal(
    lines[0],
    'CONTAINER ID   IMAGE     COMMAND                   CREATED         STATUS         PORTS                                  NAMES',
  );
  assert.equal(
    lines[1],
    'ffffffffffff   busybox   "sh -c \\"while true; …"   2 minutes ago   Up 2 minutes   53/udp, 0.0.0.0:8080-8081->80-81/tcp   web',
  );
});

test('ps rows: --format templates, json, labels', () => {
  const row = containerRow(c, { trunc: true, now });
  assert.equal(
    renderRows('{{.Names}} {{.State}} {{.Labels}}', [row], PS_HEADERS),
    'web running tier=front\n',
  );
  assert.equal(renderRows('table {{.Names}}', [row], PS_HEADERS), 'NAMES\nweb\n');
  assert.equal(JSON.parse(renderRows('json', [row], PS_HEADERS)).Names, 'web');
});

test('ports, ellipsis', () => {
  assert.equal(
    formatPorts([{ IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }]),
    '[::]:8080->80/tcp',
  );
  assert.equal(ellipsis('abcdef', 4), 'abc…');
  assert.equal(ellipsis('abc', 4), 'abc');
});

test("status words, as docker's State.String()", () => {
  const t = (s: object) =>
    statusText(
      { ExitCode: 0, StartedAt: '2026-12-01T09:58:00Z', FinishedAt: '2026-12-01T09:59:57Z', ...s } as never,
      now,
    );
  assert.equal(t({ Status: 'running' }), 'Up 2 minutes');
  assert.equal(t({ Status: 'running', Health: { Status: 'healthy' } }), 'Up 2 minutes (healthy)');
  assert.equal(t({ Status: 'running', Health: { Status: 'starting' } }), 'Up 2 minutes (health: starting)');
  assert.equal(t({ Status: 'paused' }), 'Up 2 minutes (Paused)');
  assert.equal(t({ Status: 'exited', ExitCode: 137 }), 'Exited (137) 3 seconds ago');
  assert.equal(t({ Status: 'created' }), 'Created');
});
