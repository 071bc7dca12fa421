// Layer unpacking: the only file other folders import. unpackLayer streams a layer blob into a directory.
export { type UnpackOptions, type UnpackResult, discardContents, unpackLayer } from './unpack.js';
export { type WhiteoutMode, type ExtractStats } from './extract.js';
export { type Compression, type LayerType, LAYER_MEDIA_TYPES, layerType } from './media-types.js';
export { ZSTD_BINARY } from './decompress.js';
