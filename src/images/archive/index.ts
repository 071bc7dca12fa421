// Image archive formats: the tar writer docker save's archives are written with (the reader is the
// layers' own, images/unpack's TarReader). The layout of the archives is described in
// images/service/save.ts, which writes them, and load.ts, which reads them.
export { type TarMember, tarHeader, writeTar } from './tar-writer.js';
