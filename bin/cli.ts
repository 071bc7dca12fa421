#!/usr/bin/env node
// berth: the docker-style CLI (src/cli); it talks to berthd over the Docker Engine API only.
import { main } from '../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
