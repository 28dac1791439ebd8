/**
 * The embedded database's own thread (store/pglite-thread.ts starts it): one PGlite instance, driven by the store in
 * the main thread through messages. Postgres' own work (parsing, planning, executing, writing the WAL) and the
 * protocol's encoding and decoding run here, on the other core, beside the HTTP work of the main thread.
 *
 * A message is a list of requests `[id, op, arg]`, run one after another in order; the answers, `[id, 0, value]` or
 * `[id, 1, error]` (a DatabaseError's fields: its SQLSTATE `code`, `constraint`, …), go back as one list once no
 * request is waiting (or every ANSWERS_MAX). Requests that arrive while others run are taken at once
 * (`receiveMessageOnPort`), so a busy database answers many statements per message: one message per statement
 * costs a thread wake-up on each side (~45 µs of CPU measured, against ~12 µs a statement when they come in
 * batches). Id 0 is the start: answered once PGlite is up (or failed to start).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { PGlite, messages } from '@electric-sql/pglite';
import { pgliteBackend, type PgliteBackend, type TextParam } from './pglite-exec.ts';
import { collectGarbage } from './idle-gc.ts';

/** Answers sent at most in one message while requests keep coming (the first of them should not wait long). */
const ANSWERS_MAX = 16;

export interface WorkerStart {
  dataDir?: string;
  /** A dumped data directory (tarball) to start from. */
  snapshot?: Uint8Array<ArrayBuffer>;
  startParams: string[];
}

export type Request = [id: number, op: 'run', arg: [sql: string, params: TextParam[]]] | [id: number, op: 'simple' | 'exec', sql: string] | [id: number, op: 'dump' | 'gc' | 'close', arg: null];
export type Answer = [id: number, failed: 0, value: unknown] | [id: number, failed: 1, error: ErrorFields];

export interface ErrorFields {
  message: string;
  /** A Postgres error (DatabaseError) rather than a JavaScript one. */
  database: boolean;
  [field: string]: unknown;
}

export function errorFields(err: unknown): ErrorFields {
  if (err instanceof Error) return { ...err, name: err.name, message: err.message, database: err instanceof messages.DatabaseError };
  return { message: String(err), database: false };
}

async function serve(port: MessagePort, start: WorkerStart): Promise<void> {
  // The port is listened to before PGlite starts, so that it holds this thread's event loop open meanwhile. A Node
  // thread whose loop runs out of live handles, even for a moment, waits (NodePlatform::DrainTasks) until every task
  // on V8's background threads has finished: here the optimizing compiler's tier-up of PGlite's WebAssembly, which
  // kept the first statement waiting 0.1–0.3 s after the start (docs/architecture.md §10).
  const queue: Request[] = [];
  let ready = false;
  let running = false;
  let closed = false;
  const take = (reqs: Request[]) => {
    queue.push(...reqs);
    if (ready && !running) void drain();
  };
  port.on('message', take);
  let pg: PGlite;
  try {
    pg = await PGlite.create({
      dataDir: start.dataDir,
      loadDataDir: start.snapshot ? new Blob([start.snapshot]) : undefined,
      startParams: start.startParams,
    });
  } catch (err) {
    port.postMessage([[0, 1, errorFields(err)]] satisfies Answer[]);
    port.off('message', take); // nothing holds the thread any more: it ends
    return;
  }
  const db: PgliteBackend = pgliteBackend(pg);
  port.postMessage([[0, 0, null]] satisfies Answer[]);

  async function answer(req: Request, transfer: ArrayBuffer[]): Promise<Answer> {
    const [id, op, arg] = req;
    try {
      if (op === 'run') return [id, 0, await db.run(arg[0], arg[1])];
      if (op === 'simple') return [id, 0, await db.simple(arg)];
      if (op === 'exec') return [id, 0, await db.exec(arg)];
      if (op === 'gc') return [id, 0, collectGarbage()];
      if (op === 'dump') {
        const buffer = await (await db.dump()).arrayBuffer();
        transfer.push(buffer);
        return [id, 0, buffer];
      }
      await pg.close(); // 'close': the last request this thread answers
      return [id, 0, null];
    } catch (err) {
      return [id, 1, errorFields(err)];
    }
  }

  async function drain(): Promise<void> {
    running = true;
    let answers: Answer[] = [];
    let transfer: ArrayBuffer[] = [];
    const flush = () => {
      port.postMessage(answers, transfer);
      answers = [];
      transfer = [];
    };
    while (queue.length > 0 && !closed) {
      const req = queue.shift()!;
      answers.push(await answer(req, transfer));
      if (req[1] === 'close') closed = true;
      for (let m = receiveMessageOnPort(port); m && !closed; m = receiveMessageOnPort(port)) queue.push(...(m.message as Request[]));
      if (answers.length >= ANSWERS_MAX) flush();
    }
    if (answers.length > 0) flush();
    running = false;
    // Once closed, the port stays open and the main thread ends this thread (`worker.terminate()`, store/pglite-thread.ts).
    // Closing it here would leave the loop without a handle: the thread would then wait in DrainTasks (above) for V8's
    // background compilation before it could end, up to 1.6 s for a provider stopped just after it started.
  }
  ready = true;
  if (queue.length > 0) void drain();
}

if (parentPort) void serve(parentPort, workerData as WorkerStart);
