// Docker's default seccomp profile (moby/profiles, in ../shared/specs/seccomp beside the repository) and Docker's
// default capability set, the reference Berth's own default profile is held to.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DockerProfile } from '../../../../src/runtime/seccomp/index.js';

/** The repo root: the nearest directory with a package.json above this file (or above the cwd when bundled). */
function repoRoot(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'package.json'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error('no package.json above the test');
}

/** Where docker-default.json is. */
export const DOCKER_PROFILE_PATH = join(
  repoRoot(),
  '..',
  'shared',
  'specs',
  'seccomp',
  'docker-default.json',
);

/** docker-default.json, parsed. */
export const DOCKER_PROFILE = JSON.parse(readFileSync(DOCKER_PROFILE_PATH, 'utf8')) as DockerProfile;

/** Docker's default capability set. */
export { DOCKER_DEFAULT_CAPS } from '../../../../src/oci/linux.js';
