import { protocol, types, type messages, type PGlite } from '@electric-sql/pglite';
import { StatementNames } from './statement-names.ts';

const { serialize } = protocol;

/** Describe (portal), Execute and Sync: the same bytes after every Bind. */
const DESCRIBE_EXECUTE_SYNC = concat([serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);
const utf8 = new TextDecoder();
type ValueParser = (text: string, typeId: number) => unknown;

/** What one extended-protocol call answered: the first result's rows, whether Parse completed, whether it failed. */
interface Answer<T> {
  rows: T[];
  parsed: boolean;
  failed: boolean;
}

/**
 * Reads the backend's answer bytes in one pass: RowDescription (names and type OIDs), DataRow (text values, turned
 * into JavaScript ones by the instance's type parsers, as PGlite's `parseResults` does), ParseComplete and
 * ErrorResponse; every other message (BindComplete, CommandComplete, notices, ReadyForQuery) is skipped. Rows are
 * those of the first result, as `parseResults(...)[0].rows` gave.
 */
function readAnswer<T>(raw: Uint8Array, parsers: Record<number | string, ValueParser>): Answer<T> {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const rows: T[] = [];
  let names: string[] = [];
  let oids: number[] = [];
  let fns: (ValueParser | undefined)[] = [];
  let parsed = false;
  let failed = false;
  let results = 0;
  for (let at = 0; at < raw.length; ) {
    const type = raw[at]!;
    const end = at + 1 + view.getInt32(at + 1);
    let p = at + 5;
    if (type === 0x31 /* 1: ParseComplete */) parsed = true;
    else if (type === 0x45 /* E: ErrorResponse */) failed = true;
    else if (type === 0x43 /* C: CommandComplete */) results++;
    else if (type === 0x54 /* T: RowDescription */ && results === 0) {
      const count = view.getInt16(p);
      p += 2;
      names = [];
      oids = [];
      fns = [];
      for (let i = 0; i < count; i++) {
        const zero = raw.indexOf(0, p);
        names.push(utf8.decode(raw.subarray(p, zero)));
        // After the name: table OID (4), column (2), type OID (4), type size (2), type modifier (4), format (2).
        const oid = view.getInt32(zero + 7);
        oids.push(oid);
        fns.push((parsers[oid] ?? types.parsers[oid]) as ValueParser | undefined);
        p = zero + 19;
      }
    } else if (type === 0x44 /* D: DataRow */ && results === 0) {
      const count = view.getInt16(p);
      p += 2;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const length = view.getInt32(p);
        p += 4;
        let value: unknown = null;
        if (length >= 0) {
          const text = utf8.decode(raw.subarray(p, p + length));
          p += length;
          const fn = fns[i];
          value = fn ? fn(text, oids[i]!) : text;
        }
        // Own properties whatever the column's name (a column named __proto__ included), as Object.fromEntries makes.
        if (names[i] === '__proto__') Object.defineProperty(row, '__proto__', { value, enumerable: true, writable: true, configurable: true });
        else row[names[i]!] = value;
      }
      rows.push(row as T);
    }
    at = end;
  }
  return { rows, parsed, failed };
}

/** The DatabaseError of an answer that holds one, read by PGlite's own protocol parser (the rare path). */
function answerError(raw: Uint8Array): messages.DatabaseError | undefined {
  let error: messages.DatabaseError | undefined;
  new protocol.Parser().parse(raw, (m) => {
    if (m.name === 'error' && !error) error = m as messages.DatabaseError;
  });
  return error;
}

/** A parameter as both stores send it: Postgres text format, or NULL (store/params.ts). */
export type TextParam = string | null;

/**
 * What the embedded store asks of its PGlite instance, wherever that instance runs: in this thread, or in a worker
 * thread of its own (store/pglite-thread.ts). Callers serialise their calls (one connection).
 */
export interface PgliteBackend {
  /**
   * Requests are queued and answered in order, so a statement may be sent before the one ahead has answered (the
   * thread's backend). In this thread a statement runs to its end when called: nothing to gain.
   */
  readonly pipelined?: boolean;
  /** One statement of the extended protocol; its rows. */
  run<T>(sql: string, params: TextParam[]): Promise<T[]>;
  /** One statement of the simple protocol (BEGIN, COMMIT, ROLLBACK); its command tag. */
  simple(sql: string): Promise<string | undefined>;
  /** Several statements, no parameters (migrations, maintenance). */
  exec(sql: string): Promise<void>;
  /** The data directory as a tarball. */
  dump(): Promise<Blob>;
  /** A backend on a thread of its own: one full collection of that thread's heap (store/idle-gc.ts). */
  collectGarbage?(): Promise<boolean>;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The backend on a PGlite instance of this thread.
 *
 * Queries do not go through `PGlite.query`, which makes six calls into the WASM backend per statement (Parse,
 * Describe, Bind, Describe, Execute, Sync) and re-plans every time: each statement here is one call carrying
 * Bind/Describe/Execute/Sync for a named prepared statement (Parse only the first time), so the backend parses
 * and plans it once per instance. Measured on 3,000 indexed lookups: 482 µs → 106 µs a statement. The answer's
 * bytes come back through `execProtocolRawStream` and are read here in one pass (readAnswer), not by PGlite's
 * message parser and `parseResults`, which made about half of a small statement's cost: `select 1` 70–76 → 30–36
 * µs, a primary-key lookup 106–115 → 70–94 µs, ten rows 297–303 → 181–189 µs (bench/RESULTS.md, round 5).
 *
 * No `syncToFs` after statements: it flushes browser filesystems (IndexedDB, OPFS). On Node the data directory is
 * mounted with NODEFS, where every write Postgres makes reaches the OS at once (a commit writes its WAL record),
 * so a killed process loses nothing it committed (reliability/crash.test.ts); the call only cost ~80–200 µs.
 */
export function pgliteBackend(pg: PGlite): PgliteBackend {
  const names = new StatementNames();
  return {
    async run<T>(sql: string, params: TextParam[]): Promise<T[]> {
      const { name, parse: mustParse } = names.lookup(sql);
      const parts: Uint8Array[] = [];
      if (mustParse) parts.push(serialize.parse({ name, text: sql }));
      parts.push(serialize.bind({ statement: name, values: params }), DESCRIBE_EXECUTE_SYNC);
      const chunks: Uint8Array[] = [];
      // The chunks are views of the WebAssembly memory, valid only during the call: copied.
      await pg.execProtocolRawStream(concat(parts), { syncToFs: false, onRawData: (chunk) => void chunks.push(chunk.slice()) });
      const raw = chunks.length === 1 ? chunks[0]! : concat(chunks);
      const answer = readAnswer<T>(raw, pg.parsers as Record<number | string, ValueParser>);
      if (mustParse && !answer.parsed) names.forget(sql);
      if (answer.failed) throw answerError(raw) ?? new Error('the embedded database answered with an error it did not describe');
      return answer.rows;
    },
    async simple(sql: string): Promise<string | undefined> {
      const result = await pg.execProtocol(serialize.query(sql), { syncToFs: false, throwOnError: false });
      const error = result.messages.find((m): m is messages.DatabaseError => m.name === 'error');
      if (error) throw error;
      const done = result.messages.find((m): m is messages.CommandCompleteMessage => m.name === 'commandComplete');
      return done?.text;
    },
    async exec(sql: string): Promise<void> {
      await pg.exec(sql);
    },
    dump: () => pg.dumpDataDir('none'),
  };
}
