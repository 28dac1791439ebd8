/* global WebAssembly */
import { getHeapSpaceStatistics } from 'node:v8';
// Preloaded by bench/idle-rss.mjs --breakdown (`node --import <this file> …`). Keeps the WebAssembly memories the
// process instantiates (PGlite's) and, on SIGUSR2, prints `idle-rss-probe <json>` to stderr: process.memoryUsage()
// as it is (no GC first), the WebAssembly.Memory byte size and the V8 heap's spaces (physical size). It does nothing else.
const memories = new Set();
const keep = (instance) => {
  for (const v of Object.values(instance?.exports ?? {})) if (v instanceof WebAssembly.Memory) memories.add(v);
};
const { instantiate } = WebAssembly;
WebAssembly.instantiate = async function (...args) {
  const r = await instantiate.apply(this, args);
  keep(r instanceof WebAssembly.Instance ? r : r.instance);
  const imports = args[1];
  if (imports && typeof imports === 'object') for (const v of Object.values(imports)) for (const w of Object.values(v ?? {})) if (w instanceof WebAssembly.Memory) memories.add(w);
  return r;
};
process.on('SIGUSR2', () => {
  let wasmMemory = 0;
  for (const ref of memories) wasmMemory += ref.buffer.byteLength;
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
  process.stderr.write(`idle-rss-probe ${JSON.stringify({ ...process.memoryUsage(), wasmMemory, ...spaces })}\n`);
});
