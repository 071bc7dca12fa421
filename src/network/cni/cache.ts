// Attachment records: what an ADD used and returned, kept on disk so that DEL and CHECK get the same
// configuration and the final result (SPEC.md section 3: "The runtime must store the result returned by
// the final plugin persistently") even from a new process after a daemon restart, as libcni's cache
// under /var/lib/cni/results does. Layout (STATE.md):
//
//   <dir>/<container id>/<ifname>.json     one AttachmentRecord, replaced atomically
//
// A record is written with phase "adding" before the first plugin runs, so that a crash in the middle of
// an ADD still leaves enough behind for the DEL that releases whatever the plugins had made.
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listDir, readJsonFile, writeJsonFile } from '../json-files.js';
import { validateAttachment } from './request.js';
import type { CniResult, NetworkConfList } from './types.js';

/** Where an attachment is in its life: ADD under way, ADD done, or DEL under way (or failed, to retry). */
export type AttachmentPhase = 'adding' | 'added' | 'deleting';

/** One attachment, as stored. `meta` belongs to the owner (the network manager's endpoint data). */
export interface AttachmentRecord<Meta = unknown> {
  /** Format version of this record. */
  version: 1;
  /** CNI_CONTAINERID. */
  containerId: string;
  /** CNI_IFNAME. */
  ifname: string;
  /** CNI_NETNS at ADD time. */
  netns: string;
  /** See AttachmentPhase. */
  phase: AttachmentPhase;
  /** The configuration list exactly as ADD ran it (section 3: it must not change before DEL). */
  config: NetworkConfList;
  /** The protocol version ADD ran with. */
  cniVersion?: string;
  /** The capability arguments given to ADD (portMappings, ips), passed again to DEL and CHECK. */
  capabilityArgs?: Record<string, unknown>;
  /** CNI_ARGS given to ADD. */
  args?: [string, string][];
  /** The final ADD result; absent while phase is "adding". */
  result?: CniResult;
  /** The owner's data. */
  meta: Meta;
  /** RFC 3339 time of the last write. */
  updated: string;
}

/** Attachment records under one directory. */
export class AttachmentCache<Meta = unknown> {
  constructor(readonly dir: string) {}

  /** Stores a record, replacing any with the same (container, ifname). */
  write(record: Omit<AttachmentRecord<Meta>, 'version' | 'updated'>): AttachmentRecord<Meta> {
    validateAttachment(record.containerId, record.ifname);
    const full: AttachmentRecord<Meta> = { version: 1, ...record, updated: new Date().toISOString() };
    const dir = join(this.dir, record.containerId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Not fsynced: the records live in the state dir, which a reboot empties anyway (STATE.md), and a
    // daemon that dies leaves them in the page cache; a pod's setup writes several.
    writeJsonFile(join(dir, `${record.ifname}.json`), full, false);
    return full;
  }

  /** The record of (container, ifname), or undefined. */
  read(containerId: string, ifname: string): AttachmentRecord<Meta> | undefined {
    validateAttachment(containerId, ifname);
    return this.readFile(join(this.dir, containerId, `${ifname}.json`));
  }

  /** Every record of one container. */
  listFor(containerId: string): AttachmentRecord<Meta>[] {
    validateAttachment(containerId, 'eth0');
    const dir = join(this.dir, containerId);
    return listDir(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => this.readFile(join(dir, f)))
      .filter((r): r is AttachmentRecord<Meta> => r !== undefined);
  }

  /** Every record. */
  list(): AttachmentRecord<Meta>[] {
    return this.containers().flatMap((id) => this.listFor(id));
  }

  /** Container IDs that have a directory (records, or leftovers of one being removed). */
  containers(): string[] {
    return listDir(this.dir).filter((id) => /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(id));
  }

  /** Removes a record, and the container's directory once it is empty. */
  remove(containerId: string, ifname: string): void {
    validateAttachment(containerId, ifname);
    const dir = join(this.dir, containerId);
    rmSync(join(dir, `${ifname}.json`), { force: true });
    try {
      rmdirSync(dir);
    } catch {
      // other attachments remain, or it is gone already
    }
  }

  private readFile(path: string): AttachmentRecord<Meta> | undefined {
    return readJsonFile<AttachmentRecord<Meta>>(path, 'attachment', (rec) => {
      if (rec.version !== 1) throw new Error(`unknown version ${String(rec.version)}`);
    });
  }
}
