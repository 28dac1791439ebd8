import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded store (PGlite) is single-process: two processes opening one data directory corrupt it.
 * Whoever opens it (the server, or a CLI command) holds `<DATA_DIR>/provider.pid` while it does.
 */
export function lockFile(dataDir: string): string {
  return join(dataDir, 'provider.pid');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of another live process holding the data directory, or null (no lock, or a stale one left by a crash). */
export function dataDirHolder(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile(dataDir), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  return alive(pid) ? pid : null;
}

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another process (pid ${pid}) has the embedded store in ${dataDir} open`);
  }
}

/** Takes the data directory for this process; throws DataDirBusyError when a live process holds it. Returns a release function. */
export function acquireDataDir(dataDir: string): () => void {
  const holder = dataDirHolder(dataDir);
  if (holder !== null) throw new DataDirBusyError(dataDir, holder);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(lockFile(dataDir), `${process.pid}\n`);
  return () => {
    try {
      if (Number(readFileSync(lockFile(dataDir), 'utf8').trim()) === process.pid) rmSync(lockFile(dataDir), { force: true });
    } catch {
      // already gone
    }
  };
}
