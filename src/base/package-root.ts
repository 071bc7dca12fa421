// Where Berth is installed: the directory whose package.json is named "berth". Native binaries and the
// bundled programs are found from there, whether this code runs from build/src/… or from one bundle in dist/.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from './errors.js';

let cached: string | undefined;

/** The package root, found by walking up from this module (or its bundle) to Berth's package.json; cached. */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isBerthPackage(dir)) return (cached = dir);
    if (dirname(dir) === dir) break;
  }
  throw new BerthError('NotFound', `package root: no package.json named "berth" in "${start}" or above`);
}

function isBerthPackage(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return pkg.name === 'berth';
  } catch {
    return false; // absent, unreadable or not JSON: keep walking up
  }
}
