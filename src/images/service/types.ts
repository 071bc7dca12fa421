// The image service's terms. It is what berthd's Docker API (and later the CRI) calls to pull, store, name,
// export and remove images; it sits on the metadata, content and snapshot stores (STYLE.md: images →
// metadata → content, snapshots) and the registry client, and owns no state of its own beyond them.
//
// Terms (docker's, mapped onto containerd's records):
//   image      what docker calls an image: one image config. Its ID is the config's digest
//              ("sha256:<64 hex>"), as dockerd's classic store has it (Engine API ImageInspect.Id).
//   reference  a name pointing at an image: a metadata image record (namespace "moby") whose name is a
//              full reference — a tag ("docker.io/library/busybox:latest") or a digest reference
//              ("docker.io/library/busybox@sha256:<manifest or index digest>", docker's RepoDigests) —
//              and whose target is the top-level descriptor pulled or loaded (an index or a manifest).
//   dangling   an image no tag or digest names any more (docker's "<none>:<none>"), kept alive by a
//              record named "moby-dangling@<image ID>" (moby's containerd store keeps such records too).
//   layers     each layer is a committed snapshot named by its chain ID (image-spec config.md "Layer
//              ChainID"), shared by every image that has it; the collector keeps what records reach.
//
// The container service's part (the API is small on purpose):
//
//   const image = await images.resolve('busybox');            // NotFound "No such image: busybox:latest"
//   image.id            // "sha256:<config digest>", what a container records as its ImageID
//   image.target        // the record's target: store its digest as the container's image_digest (a GC root)
//   image.config        // the image config (image-spec config.md): Env, Cmd, Entrypoint, WorkingDir, User...
//   image.chainIds      // bottom first; the last one is the parent of a container's root filesystem
//   const mounts = await images.prepareRootfs('container-<id>', image);  // active snapshot on the top layer
//
// A pull runs under a lease (metadata/leases.ts) holding its blobs, ingests and snapshots until the image
// record exists, so a collection in between removes nothing of it and a crash leaves a state the next pull
// resumes from: committed blobs are reused, partial ingests continue with an HTTP Range request, and the
// half-unpacked staging snapshots are removed when the service starts again (recover()).
import type { Descriptor as RecordDescriptor, Image as ImageRecord } from '../../metadata/index.js';
import type { Reference } from '../reference/index.js';
import type { ImageManifest, Platform } from '../registry/index.js';

/** An image config (image-spec config.md; docker's image JSON). */
export interface ImageConfigDoc {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  'os.version'?: string;
  variant?: string;
  config?: ContainerDefaults;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
  comment?: string;
  /** docker's builder writes these; passed through. */
  [key: string]: unknown;
}

/** The defaults a container takes from its image (image-spec config.md "config"). */
export interface ContainerDefaults {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: Record<string, unknown>;
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
  [key: string]: unknown;
}

/** One history entry of an image config. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** A descriptor as records keep it. */
export type Descriptor = RecordDescriptor;

/** An image in the local store, with what names it. */
export interface LocalImage {
  /** The config digest: docker's image ID. */
  id: string;
  /** The config. */
  config: ImageConfigDoc;
  /** The config's descriptor. */
  configDescriptor: Descriptor;
  /** The top-level descriptor of the primary record (an index or a manifest). */
  target: Descriptor;
  /** The platform manifest chosen for this host from the target, and its descriptor. */
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  /** Every record pointing at this image, by name. */
  records: ImageRecord[];
  /** Tag references among them ("docker.io/library/busybox:latest"). */
  tags: Reference[];
  /** Digest references among them ("docker.io/library/busybox@sha256:..."). */
  digests: Reference[];
  /** Layer diff IDs and chain IDs, bottom first. */
  diffIds: string[];
  chainIds: string[];
  /** When the record was last tagged by `tag`, if it was. */
  lastTagTime?: Date;
}

/** The platform a lookup prefers in indexes (the host's when not given). */
export type PlatformChoice = Platform | undefined;
