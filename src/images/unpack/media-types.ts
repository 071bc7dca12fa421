// Layer media types (OCI image-spec media-types.md and layer.md; Docker image manifest v2.2) and what
// each says about the blob: its compression, and whether it is "non-distributable" (OCI, deprecated) /
// "foreign" (Docker), i.e. a layer that registries may refuse to store and that is fetched from the
// descriptor's `urls` instead.
import { BerthError } from '../../base/errors.js';

/** How a layer blob is compressed. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** What a layer media type means for unpacking. */
export interface LayerType {
  compression: Compression;
  /** Non-distributable (OCI) or foreign (Docker) layer. */
  foreign: boolean;
}

/** Every layer media type we unpack. */
export const LAYER_MEDIA_TYPES: Readonly<Record<string, LayerType>> = {
  'application/vnd.oci.image.layer.v1.tar': { compression: 'none', foreign: false },
  'application/vnd.oci.image.layer.v1.tar+gzip': { compression: 'gzip', foreign: false },
  'application/vnd.oci.image.layer.v1.tar+zstd': { compression: 'zstd', foreign: false },
  'application/vnd.oci.image.layer.nondistributable.v1.tar': { compression: 'none', foreign: true },
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': { compression: 'gzip', foreign: true },
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': { compression: 'zstd', foreign: true },
  'application/vnd.docker.image.rootfs.diff.tar': { compression: 'none', foreign: false },
  'application/vnd.docker.image.rootfs.diff.tar.gzip': { compression: 'gzip', foreign: false },
  'application/vnd.docker.image.rootfs.diff.tar.zstd': { compression: 'zstd', foreign: false },
  'application/vnd.docker.image.rootfs.foreign.diff.tar': { compression: 'none', foreign: true },
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': { compression: 'gzip', foreign: true },
};

/** The layer type of `mediaType`, or a clear error naming it. */
export function layerType(mediaType: string): LayerType {
  const t = LAYER_MEDIA_TYPES[mediaType];
  if (t === undefined)
    throw new BerthError('InvalidArgument', `layer media type "${mediaType}": not supported`);
  return t;
}

/** The compression the first bytes of a blob show (gzip 1f 8b, zstd frame 28 b5 2f fd), as docker's DetectCompression. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}
