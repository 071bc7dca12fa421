// The stores of one Berth root, opened together: the metadata database (<root>/metadata.db), the plain
// content store (<root>/content), and the snapshotters (<root>/snapshots/<name>), with namespaced views of
// each and the garbage collector over all of them. berthd opens one Stores per root and owns it: the
// garbage-collection lock (gc-lock.ts) is in this process, so two processes must not write one root.
import { join } from 'node:path';
import { BerthError } from '../base/errors.js';
import { LocalContentStore } from '../content/index.js';
import { openSnapshotter, type Snapshotter } from '../snapshots/index.js';
import { Containers, type ContainerCache } from './containers.js';
import { NamespacedContentStore, type NamespaceContext } from './content-store.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { collectGarbage, type GcOptions, type GcReport } from './gc.js';
import { GcLock } from './gc-lock.js';
import { Images } from './images.js';
import { Leases } from './leases.js';
import { checkNamespace, Namespaces } from './namespaces.js';
import { NamespacedSnapshotter } from './snapshot-store.js';
import { Networks } from './networks.js';
import { Volumes } from './volumes.js';

/** Options of the namespaced views. */
export interface ViewOptions {
  /** Add what the view creates (content, ingests, snapshots) to this lease, which must exist. */
  lease?: string;
}

/** Options for openStores. */
export interface StoresOptions {
  /** The snapshotters, by name ("overlay", "native"); each is closed with the stores. */
  snapshotters?: Record<string, Snapshotter>;
  /** The database path; default <root>/metadata.db (":memory:" for tests). */
  databasePath?: string;
  /** The plain content store; default one over <root>/content. */
  content?: LocalContentStore;
}

/** Everything stored under one root. */
export class Stores {
  /** The metadata database. */
  readonly db: SqliteDatabase;
  /** The plain content store (all namespaces' blobs). */
  readonly blobs: LocalContentStore;
  /** The namespaces table. */
  readonly namespaces: Namespaces;
  /** The lock between reference-creating operations and collection. */
  readonly gcLock = new GcLock();
  private readonly backends: Map<string, Snapshotter>;
  /** Each namespace's parsed container records (containers.ts). */
  private readonly containerCaches = new Map<string, ContainerCache>();

  constructor(
    readonly root: string,
    opts: StoresOptions = {},
  ) {
    this.db = openDatabase(opts.databasePath ?? join(root, 'metadata.db'));
    this.blobs = opts.content ?? new LocalContentStore(root);
    this.namespaces = new Namespaces(this.db);
    this.backends = new Map(Object.entries(opts.snapshotters ?? {}));
  }

  /** The names of the snapshotters. */
  snapshotterNames(): string[] {
    return [...this.backends.keys()];
  }

  /** The shared backend snapshotter `name` (for collection and tests; clients use snapshotter()). */
  backendSnapshotter(name: string): Snapshotter {
    const sn = this.backends.get(name);
    if (!sn) throw new BerthError('NotFound', `snapshotter "${name}": not configured`);
    return sn;
  }

  /** The images of a namespace. */
  images(namespace: string): Images {
    return new Images(this.db, checkNamespace(namespace), () => this.namespaces.ensure(namespace));
  }

  /** The containers of a namespace. */
  containers(namespace: string): Containers {
    let cache = this.containerCaches.get(namespace);
    if (!cache) this.containerCaches.set(namespace, (cache = new Map()));
    return new Containers(this.db, checkNamespace(namespace), () => this.namespaces.ensure(namespace), cache);
  }

  /** The networks of a namespace. */
  networks(namespace: string): Networks {
    return new Networks(this.db, checkNamespace(namespace), () => this.namespaces.ensure(namespace));
  }

  /** The volumes of a namespace. */
  volumes(namespace: string): Volumes {
    return new Volumes(this.db, checkNamespace(namespace), () => this.namespaces.ensure(namespace));
  }

  /** The leases of a namespace. */
  leases(namespace: string): Leases {
    return new Leases(this.db, checkNamespace(namespace), () => this.namespaces.ensure(namespace));
  }

  /** A namespace's content store, optionally adding what it creates to a lease. */
  content(namespace: string, opts: ViewOptions = {}): NamespacedContentStore {
    return new NamespacedContentStore(this.blobs, this.context(namespace, opts));
  }

  /** A namespace's view of snapshotter `name`, optionally adding what it creates to a lease. */
  snapshotter(namespace: string, name: string, opts: ViewOptions = {}): NamespacedSnapshotter {
    return new NamespacedSnapshotter(this.backendSnapshotter(name), name, this.context(namespace, opts));
  }

  /** Runs a mark-and-sweep collection (gc.ts). */
  collectGarbage(opts: GcOptions = {}): Promise<GcReport> {
    return this.gcLock.exclusive(() => collectGarbage(this, opts));
  }

  /** Closes the snapshotters and the database. */
  async close(): Promise<void> {
    for (const sn of this.backends.values()) await sn.close();
    if (this.db.open) this.db.close();
  }

  private context(namespace: string, opts: ViewOptions): NamespaceContext {
    checkNamespace(namespace);
    const leases = opts.lease === undefined ? undefined : this.leases(namespace);
    if (leases && opts.lease !== undefined) leases.get(opts.lease); // NotFound now rather than at first write
    return {
      db: this.db,
      namespace,
      gcLock: this.gcLock,
      ensureNamespace: () => this.namespaces.ensure(namespace),
      leaseResource: (type, id) => {
        if (leases && opts.lease !== undefined) leases.addResource(opts.lease, { type, id });
      },
    };
  }
}

/** What openStores did to open a root. */
export interface OpenedStores {
  /** The stores. */
  stores: Stores;
  /** The snapshotter chosen ("overlay" where it works, else "native"), registered under this name. */
  snapshotter: 'overlay' | 'native';
  /** Why overlay was not chosen, if it was not and no choice was forced. */
  fallbackReason?: string;
  /** Crash leftovers removed while opening (half-made ingests and snapshot directories). */
  leftovers: number;
}

/**
 * Opens the stores of `root` the way berthd starts: the metadata database (migrated), the content store,
 * the snapshotter (`prefer`, or overlay if it works here, else native), and removes what a crash left
 * half-made. Nothing runs yet at open, so every half-made directory is a leftover.
 */
export async function openStores(root: string, prefer?: 'overlay' | 'native'): Promise<OpenedStores> {
  const chosen = await openSnapshotter(root, prefer);
  const stores = new Stores(root, { snapshotters: { [chosen.name]: chosen.snapshotter } });
  try {
    const leftovers = (await stores.blobs.removeIncompleteIngests()) + (await chosen.snapshotter.cleanup());
    return {
      stores,
      snapshotter: chosen.name,
      ...(chosen.fallbackReason !== undefined ? { fallbackReason: chosen.fallbackReason } : {}),
      leftovers,
    };
  } catch (err) {
    await stores.close();
    throw err;
  }
}
