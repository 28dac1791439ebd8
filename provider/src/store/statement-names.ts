/** How many distinct statements a connection keeps prepared; beyond this, statements are parsed each time. */
export const MAX_PREPARED = 1000;

/**
 * Names for server-side prepared statements, one per distinct SQL text: the server parses and plans a
 * statement once per connection instead of on every execution. Named statements are kept for the
 * connection's life, so the number of names is bounded; past `max`, new texts run unnamed (parsed each time).
 */
export class StatementNames {
  readonly #names = new Map<string, string>();
  #next = 0;

  constructor(readonly max = MAX_PREPARED) {}

  /** The statement's name ('' = the unnamed statement), and whether this connection must still Parse it. */
  lookup(sql: string): { name: string; parse: boolean } {
    const known = this.#names.get(sql);
    if (known !== undefined) return { name: known, parse: false };
    if (this.#names.size >= this.max) return { name: '', parse: true };
    const name = `s${this.#next++}`;
    this.#names.set(sql, name);
    return { name, parse: true };
  }

  /** Forgets a statement whose Parse failed, so that the next use parses it again. */
  forget(sql: string): void {
    this.#names.delete(sql);
  }

  /** The name a text would be prepared under in a pooled connection (pg prepares per connection itself). */
  nameFor(sql: string): string | undefined {
    const { name } = this.lookup(sql);
    return name || undefined;
  }
}
