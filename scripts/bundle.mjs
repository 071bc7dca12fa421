// Bundles each program into one CommonJS file in dist/ (dist/berth-runtime, ...), so that a start
// parses one file and resolves no modules. CommonJS rather than ESM: Node's ESM loader costs a
// short-lived command about 9 ms more (its builtin facades load every lazy export, streams included).
// dist/package.json marks the extensionless files there as CommonJS.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

const programs = {
  'berth-runtime': 'bin/runtime.ts',
  berthd: 'bin/daemon.ts',
  berth: 'bin/cli.ts',
};

mkdirSync('dist', { recursive: true });
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
for (const [name, entry] of Object.entries(programs)) {
  await build({
    entryPoints: [entry],
    outfile: `dist/${name}`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    // A native addon finds its .node file from its own package directory: it stays in node_modules.
    external: ['better-sqlite3'],
    // The sources are ESM and find their files from import.meta.url.
    define: { 'import.meta.url': '__berthModuleUrl' },
    banner: { js: "const __berthModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  chmodSync(`dist/${name}`, 0o755);
}
