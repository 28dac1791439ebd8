import type { Db } from './db.ts';
import { refreshRows, type RefreshInput, type RefreshOutcome } from './tokens.ts';

/**
 * Group commit for hot writes (docs/architecture.md §7): concurrent callers' rows are gathered and written by one
 * multi-row statement, whose per-statement cost (a protocol round trip, a WASM call, a commit and its WAL flush) is
 * most of the cost of a single-row write.
 *
 * There is no timer. A batch goes out at once when fewer than `maxInFlight` batches are running; rows that arrive
 * meanwhile wait for the next one (at most `maxRows` a batch). An idle server so adds no latency, and a busy one forms
 * batches as large as its load, for as long as the database takes to answer one.
 *
 * Each caller still gets its own outcome: `run` answers row by row (undefined: that row's conditions failed, nothing
 * of it was written). When the statement itself fails (a constraint, a deadlock between two batches), every row of
 * the batch is retried alone, one after another, so a refused row fails only its own caller. A caller's promise
 * settles after the statement that wrote its row has committed: what it answers is durable.
 */
export interface GroupCommitOptions {
  /** Rows a batch holds at most. */
  maxRows: number;
  /** Batches running at once: 1 for the embedded store (one connection), a few for a Postgres pool. */
  maxInFlight: number;
  /**
   * Rows of one key never share a batch: a later one waits for the next batch. (One statement updates a row at most
   * once, so the second refresh of one token in a batch would find nothing to update and take the slow path.)
   */
  key?: (input: never) => string;
}

interface Waiting<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<I, O> {
  readonly #run: (inputs: I[]) => Promise<O[]>;
  readonly #opts: GroupCommitOptions;
  #waiting: Waiting<I, O>[] = [];
  #inFlight = 0;
  #scheduled = false;
  /** Batches written so far and the rows they held (for tests and metrics). */
  readonly stats = { batches: 0, rows: 0, largest: 0, retriedAlone: 0 };

  /** `run` writes the rows in one statement and returns one outcome per row, in order. */
  constructor(run: (inputs: I[]) => Promise<O[]>, opts: GroupCommitOptions) {
    this.#run = run;
    this.#opts = opts;
  }

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * The batch goes out on the next turn of the event loop, not at once: the embedded store runs a statement
   * synchronously (WASM in this thread), so one request's whole chain of awaits ends before the next request on
   * another socket is even read. Waiting for the end of this turn lets the requests read in it join the batch.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inFlight < this.#opts.maxInFlight && this.#waiting.length > 0) {
      const batch = this.#take();
      this.#inFlight++;
      void this.#write(batch).finally(() => {
        this.#inFlight--;
        this.#schedule();
      });
    }
  }

  /** The next batch: the oldest waiting rows, at most maxRows, no two of one key. */
  #take(): Waiting<I, O>[] {
    const key = this.#opts.key as ((input: I) => string) | undefined;
    if (!key) return this.#waiting.splice(0, this.#opts.maxRows);
    const batch: Waiting<I, O>[] = [];
    const later: Waiting<I, O>[] = [];
    const keys = new Set<string>();
    for (const w of this.#waiting) {
      const k = key(w.input);
      if (batch.length < this.#opts.maxRows && !keys.has(k)) {
        keys.add(k);
        batch.push(w);
      } else later.push(w);
    }
    this.#waiting = later;
    return batch;
  }

  async #write(batch: Waiting<I, O>[]): Promise<void> {
    this.stats.batches++;
    this.stats.rows += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    let outcomes: O[];
    try {
      outcomes = await this.#run(batch.map((w) => w.input));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One refused row must not fail the others: each row alone, in turn (not at once, which could deadlock again).
      this.stats.retriedAlone += batch.length;
      for (const w of batch) {
        try {
          w.resolve((await this.#run([w.input]))[0]!);
        } catch (alone) {
          w.reject(alone);
        }
      }
      return;
    }
    if (outcomes.length !== batch.length) {
      const err = new Error(`group commit: ${outcomes.length} outcomes for ${batch.length} rows`);
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, k) => w.resolve(outcomes[k]!));
  }
}

/** The hot writes of one provider, each gathered by its own GroupCommit (per provider, never module state). */
export interface HotWrites {
  /** Refresh-token grants that succeed (store/tokens.ts refreshRows). */
  refresh: GroupCommit<RefreshInput, RefreshOutcome | undefined>;
}

/**
 * `db` is read at each batch, not once: the store a provider runs on may be wrapped after start (tests count its
 * statements). The embedded store runs one statement at a time, so one batch at a time; a Postgres pool runs a few.
 */
export function createHotWrites(db: () => Db, kind: 'pglite' | 'postgres'): HotWrites {
  const maxInFlight = kind === 'pglite' ? 1 : 4;
  return {
    refresh: new GroupCommit((rows) => refreshRows(db(), rows), { maxRows: 64, maxInFlight, key: (v: RefreshInput) => v.tokenHash }),
  };
}
