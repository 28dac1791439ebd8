#!/usr/bin/env node
// Runs the provider from its build (dist/, made by `npm run build` or at `npm ci`): plain Node, nothing compiled here.
import { setFlagsFromString } from 'node:v8';

// Before anything compiles WebAssembly: the embedded store compiles PGlite's 9 MB module on V8's background
// threads, by default one per core; with one, the process keeps ~35 MB less resident memory (measured on 2 cores)
// for the same start-up time and query throughput.
setFlagsFromString('--wasm-num-compilation-tasks=1');

let cli;
try {
  cli = await import('../dist/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('/dist/cli.js')) throw err;
  process.stderr.write('instant-provider: its build (dist/) is missing; run `npm run build` in the repository first\n');
  process.exit(1);
}
await cli.main(process.argv);
