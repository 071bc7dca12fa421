// Layer unpacking: the only file other folders import. unpackLayer streams a layer blob into a directory.
//
// The unpack target is a directory its caller owns (a snapshotter's active snapshot):
//   whiteouts "overlay"  the directory is empty (an overlay upper dir); whiteouts become 0:0 character
//                        devices and trusted.overlay.opaque=y, so the layers combine under overlayfs;
//   whiteouts "apply"    the directory holds the layers below (the copy snapshotter); whiteouts delete.
// On any failure the directory is emptied (not removed) and the error names the entry and the layer;
// the caller then discards the snapshot. Owners, devices and trusted.* xattrs need root (CAP_CHOWN,
// CAP_MKNOD, CAP_SYS_ADMIN). Worked example:
//
//   const r = await unpackLayer(blobStream, '/var/lib/berth/snapshots/overlay/7/fs',
//     { mediaType: desc.mediaType, whiteouts: 'overlay', digest: desc.digest, diffId: config.rootfs.diff_ids[i] });
//   // r.diffId === diff_ids[i]; commit the snapshot under the layer's chain ID
export { type UnpackOptions, type UnpackResult, discardContents, unpackLayer } from './unpack.js';
export { type WhiteoutMode, type ExtractStats } from './extract.js';
export { type Compression, type LayerType, LAYER_MEDIA_TYPES, layerType } from './media-types.js';
export { ZSTD_BINARY } from './decompress.js';
// The tar reader and decompression, for image archives (docker load) as well as layers.
export { type EntryType, type TarHeader, TarReader } from './tar-reader.js';
export { ByteReader } from './byte-reader.js';
export { decompress } from './decompress.js';
export { sniffCompression } from './media-types.js';
