// docs/operations.md §9: the provider, as its binary runs, collects its heaps once it has gone idle — the main
// thread's and the embedded database thread's — and gives the memory back. PGlite passes only (the process is the
// same on Postgres but for the database thread).
import { afterEach, describe, expect, it } from 'vitest';
import { rssMb, spawnProvider, type Server } from './processes.ts';

let server: Server | undefined;
afterEach(async () => {
  await server?.kill();
  server = undefined;
});

const collectedLine = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.includes('"idle: heaps collected"'))
    .map((l) => JSON.parse(l) as { main: boolean; database: boolean; ms: number });

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))('idle memory (the binary)', () => {
  it('collects both threads once 5–10 s after the last request, not again while idle, and holds less after', async () => {
    server = await spawnProvider({ store: 'pglite', env: { LOG_LEVEL: 'debug', PGLITE_THREAD: '1' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const before = rssMb(server.pid)!;
    const deadline = Date.now() + 25_000;
    while (collectedLine(server.stderr()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const lines = collectedLine(server.stderr());
    expect(lines.map(({ main, database, ms }) => ({ main, database, ms }))).toEqual([{ main: true, database: true, ms: expect.any(Number) }]);
    await new Promise((r) => setTimeout(r, 11_000)); // two more idle ticks: nothing more to collect
    expect(collectedLine(server.stderr())).toHaveLength(1);
    expect(rssMb(server.pid)!).toBeLessThan(before);
  }, 60_000);
});
