// Preloaded into a provider under test (`node --expose-gc --import <this file> …`): on SIGUSR2 it runs a full
// garbage collection and prints one line to stderr, `memory-probe <json>`, with the process's memory after it.
// Lets the soak test measure what the process retains, not where its collector happened to be.
let seq = 0;
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(
    `memory-probe ${JSON.stringify({ seq: ++seq, gc: typeof globalThis.gc === 'function', rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
  );
});
