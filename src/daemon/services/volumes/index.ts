// The daemon's volume service (service.ts): what other folders import.
export { directorySize, VolumeService, type PreparedVolume, type VolumeCreateRequest } from './service.js';
export { ANONYMOUS_LABEL, dockerVolume, type DockerVolume } from './docker-shape.js';
