// A stand-in daemon for crash.test.ts, run as its own Node process: it creates and starts the containers
// listed in a JSON file through a ShimManager, keeps a wait and an attacher on each (as a daemon would),
// prints {"ready":true} on stdout, and idles until it is killed.
//
//   node crash-daemon.js <shim root> <containers.json>
//   containers.json: [{ "id": "...", "bundle": "...", "log": { "path": "...", "format": "cri" } }, ...]
import { readFileSync } from 'node:fs';
import { ShimManager, type LogOptions } from '../../../src/daemon/shim-client/index.js';

interface Planned {
  id: string;
  bundle: string;
  log: LogOptions;
}

async function main(): Promise<void> {
  const [root, list] = process.argv.slice(2);
  if (!root || !list) throw new Error('usage: crash-daemon <shim root> <containers.json>');
  const manager = new ShimManager({ root });
  for (const c of JSON.parse(readFileSync(list, 'utf8')) as Planned[]) {
    await manager.create({ id: c.id, bundle: c.bundle, runtime: { kind: 'builtin' }, log: c.log });
    await manager.start(c.id);
    void manager.wait(c.id).catch(() => undefined);
    await manager.attach(c.id, { stdout: true, stderr: true });
  }
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: (err as Error).message }) + '\n');
  process.exit(1);
});
