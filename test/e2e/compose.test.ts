// docker-compose (Debian's 1.29) against berthd, through DOCKER_HOST: a web service (busybox httpd) with
// environment, a named volume and a published port, and a client that depends on it and reaches it by
// its service name; logs, port, scaling the client, then down and up again (the named volume keeps its
// data), and down -v at the end leaves no container, network, volume or host networking behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipUnlessRoot } from '../integration/runtime/harness.js';
import { runCommand } from './engines.js';
import {
  fetchLocal,
  startNetworkDaemon,
  type NetworkDaemon,
  type NetworkTraces,
} from '../integration/daemon/networks-fixture.js';

const COMPOSE = '/usr/bin/docker-compose';

const FILE = `version: "3.8"
services:
  web:
    image: busybox
    environment:
      GREETING: from-compose
    command: ["sh", "-c", "mkdir -p /www && echo \\"hello $$GREETING\\" > /www/index.html && date >> /data/boots && exec httpd -f -p 80 -h /www"]
    volumes:
      - data:/data
    ports:
      - "127.0.0.1::80"
    stop_grace_period: 1s
  client:
    image: busybox
    depends_on:
      - web
    stop_grace_period: 1s
    command: ["sh", "-c", "for i in $$(seq 1 30); do if wget -qO- http://web/; then break; fi; sleep 1; done; exec sleep 600"]
volumes:
  data: {}
`;

describe(
  'docker-compose against berthd',
  {
    skip:
      skipUnlessRoot || (existsSync(COMPOSE) ? false : 'docker-compose is not installed (scripts/setup.sh)'),
    timeout: 300_000,
  },
  () => {
    let d: NetworkDaemon;
    let start: NetworkTraces;
    const dir = mkdtempSync(join(tmpdir(), 'berth-compose-'));
    const project = `bc${process.pid}`;
    const compose = (args: string[]) =>
      runCommand(COMPOSE, ['-p', project, '-f', join(dir, 'docker-compose.yml'), ...args], {
        timeoutMs: 120_000,
        env: { DOCKER_HOST: d.host, COMPOSE_INTERACTIVE_NO_CLI: '1' },
      });
    const ok = async (args: string[]): Promise<string> => {
      const r = await compose(args);
      assert.equal(r.code, 0, `docker-compose ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    before(async () => {
      writeFileSync(join(dir, 'docker-compose.yml'), FILE);
      d = await startNetworkDaemon({ busybox: true });
      start = await d.traces();
    });
    after(async () => {
      await compose(['down', '-v']).catch(() => undefined);
      await d?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('up: the client reaches the web service by name; logs; the port answers on the host', async () => {
      await ok(['up', '-d']);
      let logs = '';
      for (let i = 0; i < 40 && !logs.includes('hello from-compose'); i++) {
        await sleep(500);
        logs = await ok(['logs', '--no-color', 'client']);
      }
      assert.match(logs, /hello from-compose/);
      const ps = await ok(['ps']);
      assert.match(ps, new RegExp(`${project}_web_1 .* Up`));
      assert.match(ps, new RegExp(`${project}_client_1 .* Up`));
      const port = (await ok(['port', 'web', '80'])).trim();
      assert.match(port, /^127\.0\.0\.1:\d+$/);
      assert.equal(await fetchLocal(Number(port.split(':')[1])), 'hello from-compose\n');
    });

    test('scale the client; down removes containers and the network but keeps the named volume', async () => {
      await ok(['up', '-d', '--scale', 'client=2']);
      const ids = (await ok(['ps', '-q', 'client'])).trim().split('\n');
      assert.equal(ids.length, 2);
      await ok(['down']);
      const left = await d.docker(['ps', '-aq']);
      assert.equal(left.stdout, '');
      const nets = await d.docker(['network', 'ls', '--format', '{{.Name}}']);
      assert.ok(!nets.stdout.includes(`${project}_default`), nets.stdout);
      const vols = await d.docker(['volume', 'ls', '-q']);
      assert.equal(vols.stdout, `${project}_data\n`);
    });

    test('up again: the volume kept its data; down -v leaves nothing', async () => {
      await ok(['up', '-d']);
      let boots = '';
      for (let i = 0; i < 20 && boots.split('\n').filter(Boolean).length < 2; i++) {
        await sleep(300);
        boots = (await compose(['exec', '-T', 'web', 'cat', '/data/boots'])).stdout;
      }
      assert.equal(boots.split('\n').filter(Boolean).length, 2, `two starts recorded: ${boots}`);
      await ok(['down', '-v']);
      assert.equal((await d.docker(['ps', '-aq'])).stdout, '');
      assert.equal((await d.docker(['volume', 'ls', '-q'])).stdout, '');
      assert.deepEqual(await d.traces(), start);
    });
  },
);
