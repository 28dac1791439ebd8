import { Worker } from 'node:worker_threads';
import { messages } from '@electric-sql/pglite';
import type { PgliteBackend, TextParam } from './pglite-exec.ts';
import type { Answer, ErrorFields, Request, WorkerStart } from './pglite-worker.ts';

/**
 * The worker's module, compiled: from the sources (tests under vitest) the worker still runs dist/, which the test
 * set-up builds first (scripts/vitest-build.mjs); a worker thread cannot load TypeScript.
 */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/store/pglite-worker.js', import.meta.url) : new URL('./pglite-worker.js', import.meta.url);
}

/** An error of the worker's, raised again here (with this thread's stack): a DatabaseError keeps its fields. */
function raise(fields: ErrorFields): Error {
  const { database, message, ...rest } = fields;
  const err = database ? new messages.DatabaseError(message, Number(rest.length ?? 0), 'error') : new Error(message);
  Object.assign(err, rest);
  return err;
}

/**
 * The worker inherits the process's node flags (`--cpu-prof`, `--max-old-space-size`, …) but for `--input-type`
 * (`node --input-type=module -e …`), which its module file would refuse. Without that flag nothing is passed, so
 * Node inherits them itself; a list passed explicitly may not hold V8 or process-wide flags, so if Node refuses it
 * the worker starts with none.
 */
function newWorker(start: WorkerStart, transfer: ArrayBuffer[]): Worker {
  const args = process.execArgv;
  const at = args.findIndex((a) => a === '--input-type' || a.startsWith('--input-type='));
  if (at < 0) return new Worker(workerUrl(), { workerData: start, transferList: transfer });
  const execArgv = args.filter((_, i) => i !== at && !(i === at + 1 && args[at] === '--input-type'));
  try {
    return new Worker(workerUrl(), { workerData: start, transferList: transfer, execArgv });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(workerUrl(), { workerData: start, transferList: transfer, execArgv: [] });
  }
}

export interface PgliteThread extends PgliteBackend {
  /** Closes the database and stops the thread. */
  close(): Promise<void>;
}

/**
 * PGlite in a worker thread of its own (store/pglite-worker.ts): the store in this thread sends each statement as a
 * message and gets its rows back, so Postgres' work runs on another core than the HTTP work. The thread holds the
 * process open only while a request is waiting for it. If it dies (out of memory, a WebAssembly trap), every
 * waiting and later request fails with the reason: the store does not restart a database it cannot vouch for.
 */
export async function startPgliteThread(start: WorkerStart, hooks: { onWorker?: (worker: Worker) => void } = {}): Promise<PgliteThread> {
  const transfer = start.snapshot ? [start.snapshot.buffer] : [];
  const worker = newWorker(start, transfer);
  hooks.onWorker?.(worker);
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let next = 1;
  let dead: Error | undefined;

  const fail = (err: Error) => {
    dead ??= err;
    for (const w of waiting.values()) w.reject(dead);
    waiting.clear();
  };
  worker.on('message', (answers: Answer[]) => {
    for (const [id, failed, value] of answers) {
      const w = waiting.get(id);
      if (!w) continue;
      waiting.delete(id);
      if (failed) w.reject(raise(value as ErrorFields));
      else w.resolve(value);
    }
    if (waiting.size === 0) worker.unref();
  });
  worker.on('error', (err) => fail(new Error(`the embedded database's thread failed: ${err.message}`, { cause: err })));
  worker.on('exit', (code) => fail(new Error(`the embedded database's thread stopped (exit code ${code})`)));

  // Requests made in one turn of the event loop go out as one message, at the end of it.
  let outbox: Request[] = [];
  const flush = () => {
    const reqs = outbox;
    outbox = [];
    if (!dead) worker.postMessage(reqs);
  };
  const call = <T>(op: Request[1], arg: unknown): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = next++;
    if (waiting.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (outbox.push([id, op, arg] as Request) === 1) queueMicrotask(flush);
    });
  };

  // The start is request 0.
  worker.ref();
  await new Promise<void>((resolve, reject) => {
    waiting.set(0, { resolve: () => resolve(), reject });
  });
  worker.unref();

  return {
    pipelined: true,
    run: <T>(sql: string, params: TextParam[]) => call<T[]>('run', [sql, params]),
    simple: (sql) => call<string | undefined>('simple', sql),
    exec: (sql) => call<void>('exec', sql),
    dump: async () => new Blob([await call<ArrayBuffer>('dump', null)]),
    collectGarbage: () => call<boolean>('gc', null),
    close: async () => {
      if (dead) return;
      await call<void>('close', null); // PGlite closed: its last writes are on disk
      await worker.terminate();
    },
  };
}
