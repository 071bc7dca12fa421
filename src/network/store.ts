// Where network definitions live. For now one JSON document per network under the root dir; the
// interface is small so that the metadata DB (SQLite, being built in parallel) can take over later:
//
//   <root>/network/networks/<id>.json     one NetworkRecord (STATE.md), replaced atomically
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../base/errors.js';
import { listDir, readJsonFile, writeJsonFile } from './json-files.js';
import type { NetworkRecord } from './types.js';

/** Persistent network definitions, keyed by ID. Synchronous: every call is one small file. */
export interface NetworkStore {
  /** Every stored network, oldest first. */
  list(): NetworkRecord[];
  /** One network by full ID. */
  get(id: string): NetworkRecord | undefined;
  /** Stores (creates or replaces) a network. */
  put(record: NetworkRecord): void;
  /** Removes a network; idempotent. */
  remove(id: string): void;
}

const ID = /^[0-9a-f]{64}$/;

/** NetworkStore on JSON files in one directory. */
export class JsonNetworkStore implements NetworkStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  list(): NetworkRecord[] {
    return listDir(this.dir)
      .filter((f) => ID.test(f.replace(/\.json$/, '')) && f.endsWith('.json'))
      .map((f) => this.get(f.slice(0, -5)))
      .filter((r): r is NetworkRecord => r !== undefined)
      .sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  }

  get(id: string): NetworkRecord | undefined {
    if (!ID.test(id)) return undefined;
    return readJsonFile<NetworkRecord>(join(this.dir, `${id}.json`), 'network');
  }

  put(record: NetworkRecord): void {
    if (!ID.test(record.id)) throw new BerthError('InvalidArgument', `network id "${record.id}": invalid`);
    writeJsonFile(join(this.dir, `${record.id}.json`), record);
  }

  remove(id: string): void {
    if (!ID.test(id)) return;
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }
}
