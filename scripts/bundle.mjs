// Bundles each program into one ESM file in dist/ so a start parses one file and resolves no modules.
import { build } from 'esbuild';

const programs = { 'berth-runtime': 'bin/runtime.ts' };

for (const [name, entry] of Object.entries(programs)) {
  await build({
    entryPoints: [entry],
    outfile: `dist/${name}.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

import { chmodSync } from 'node:fs';
for (const name of Object.keys(programs)) chmodSync(`dist/${name}.mjs`, 0o755);
