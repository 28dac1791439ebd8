#!/usr/bin/env node
// Runs the provider from a bundle of its TypeScript sources, built with esbuild and cached on first use (bundle.mjs).
import { bundled, tuneV8 } from './bundle.mjs';

tuneV8();

let url;
try {
  url = await bundled('cli');
} catch (err) {
  // esbuild's message names each error's file and line; its stack would only add noise.
  process.stderr.write(`instant-provider: could not build or find the bundle of its sources\n${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
const { main } = await import(url);
await main(process.argv);
