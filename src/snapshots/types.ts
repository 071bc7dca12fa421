// The Snapshotter: layered filesystems for image layers and container root filesystems, as containerd's
// snapshots.Snapshotter defines them (containerd/snapshots/snapshotter.go), which this follows closely.
//
// Terms:
//   snapshot   a directory tree the snapshotter owns, in one of three kinds:
//     active     writable, made by prepare(key, parent); named by its *key*. A container's root
//                filesystem, or a layer being unpacked.
//     committed  read-only, made by commit(name, key) from an active one, which it replaces; named by its
//                *name*. Only committed snapshots can be parents. Image layers are committed snapshots
//                named by their chain ID (OCI image-spec config.md "Layer ChainID"), by the caller.
//     view       read-only, made by view(key, parent); named by its key; cannot be committed.
//   key = active (or view), name = committed: keys and names share one namespace per snapshotter, so a
//   key may not equal any existing name or key.
//   parent     the committed snapshot a new one starts from; a chain of parents is a layer stack.
//   mounts     what to mount(2), in order, on a target directory to see the snapshot's tree: the
//              snapshotter never mounts anything itself (mount.ts mountAll does, for callers that want it).
//
// Worked example: unpack a two-layer image, then run a container on it.
//
//     let mounts = await sn.prepare('extract-1', undefined);          // active, empty
//     await mountAll(mounts, tmp); /* untar layer 1 into tmp */; await unmountAll(tmp);
//     await sn.commit(chainId1, 'extract-1');                         // 'extract-1' is gone; chainId1 exists
//     mounts = await sn.prepare('extract-2', chainId1);               // active on top of layer 1
//     await mountAll(mounts, tmp); /* untar layer 2 (whiteouts as overlay expects) */; await unmountAll(tmp);
//     await sn.commit(chainId2, 'extract-2');
//     mounts = await sn.prepare('container-abc', chainId2);           // the container's writable rootfs
//     // ... run the container on those mounts; later:
//     await sn.remove('container-abc');                               // then chainId2, then chainId1
//
// A committed snapshot with children cannot be removed (FailedPrecondition); remove children first.
//
// Errors (BerthError codes): NotFound (no such key or name), AlreadyExists (key or name taken),
// FailedPrecondition (parent not committed, committing a view, removing a parent, mounts of a committed
// snapshot), InvalidArgument (a malformed key or label).
//
// Implementations: overlay.ts (overlayfs: each snapshot is <n>/fs, layers are stacked with lowerdir) and
// native.ts (plain copies, for filesystems where overlay cannot run). Each keeps its own records in a small
// SQLite database in its directory (storage.ts); namespaces and garbage collection live a level up, in
// src/metadata, which maps a namespace's keys onto these.

/** The three kinds of snapshot. */
export type Kind = 'active' | 'committed' | 'view';

/** What the snapshotter records about a snapshot. */
export interface Info {
  /** Active, committed or view. */
  kind: Kind;
  /** The key (active, view) or name (committed). */
  name: string;
  /** The parent's name, if any. */
  parent?: string;
  /** Labels (containerd's "containerd.io/gc.*" labels are meaningful to the metadata layer). */
  labels: Record<string, string>;
  /** When the snapshot was made. */
  createdAt: Date;
  /** When its record last changed (commit, label update). */
  updatedAt: Date;
}

/** Disk use of one snapshot's own layer (not its parents'). */
export interface Usage {
  /** Bytes of disk used (allocated blocks), hard links counted once. */
  size: number;
  /** Inodes used. */
  inodes: number;
}

/** One mount(2) to perform, in order, on the caller's target (containerd's mount.Mount). */
export interface Mount {
  /** Filesystem type: "overlay" or "bind". */
  type: string;
  /** The source: a directory for bind, "overlay" for overlay. */
  source: string;
  /** mount(8)-style options: flags ("ro", "rbind") and filesystem data ("lowerdir=..."). */
  options: string[];
}

/** Options for prepare, view and commit. */
export interface SnapshotOptions {
  /** Labels to set on the new snapshot. */
  labels?: Record<string, string>;
}

/** Which snapshots walk visits (all when absent). */
export interface WalkFilter {
  /** Only this kind. */
  kind?: Kind;
  /** Only snapshots whose parent is this name. */
  parent?: string;
  /** Only snapshots carrying every one of these labels with these values. */
  labels?: Record<string, string>;
}

/** A snapshotter; see the file comment for the lifecycle. */
export interface Snapshotter {
  /** The snapshot's info; NotFound if no such key or name. */
  stat(key: string): Promise<Info>;
  /** Replaces labels: those named by fieldpaths ("labels.<key>"), or all with "labels" or no fieldpaths. */
  update(info: Pick<Info, 'name' | 'labels'>, fieldpaths?: string[]): Promise<Info>;
  /** Disk use of the snapshot's own layer (for an active one, computed now). */
  usage(key: string): Promise<Usage>;
  /** The mounts of an active snapshot or view; FailedPrecondition for a committed one. */
  mounts(key: string): Promise<Mount[]>;
  /** Makes an active snapshot `key` on top of committed `parent` (or empty) and returns its mounts. */
  prepare(key: string, parent?: string, opts?: SnapshotOptions): Promise<Mount[]>;
  /** Makes a read-only view `key` of committed `parent` (or empty) and returns its mounts. */
  view(key: string, parent?: string, opts?: SnapshotOptions): Promise<Mount[]>;
  /** Turns the active snapshot `key` into the committed snapshot `name`; the key is gone afterwards. */
  commit(name: string, key: string, opts?: SnapshotOptions): Promise<void>;
  /** Removes a snapshot (not one that is a parent). */
  remove(key: string): Promise<void>;
  /** Calls fn for every snapshot that passes the filter, in no particular order. */
  walk(fn: (info: Info) => void | Promise<void>, filter?: WalkFilter): Promise<void>;
  /** Removes directories no record owns (leftovers of a crash during prepare or remove); returns how many. */
  cleanup(): Promise<number>;
  /** Releases the snapshotter's database. */
  close(): Promise<void>;
}
