// The durable peer's storage: an oidc-provider adapter (its documented adapter interface: upsert, find, findByUid,
// findByUserCode, consume, destroy, revokeByGrantId) over Redis, speaking RESP2 over one pipelined socket. Written
// here rather than taken from a package so the peer's storage does about what ours does: one round trip per
// model operation, a grant index for revocation, expiry by the store. The bench starts Debian's redis-server with
// append-only persistence (appendfsync everysec, Redis's default for AOF) and stops it after.
import { connect, type Socket } from 'node:net';

type Reply = string | number | null | Reply[];

/** A minimal RESP2 client: commands are written as they come (pipelined); replies are matched in order. */
export class Resp {
  readonly #socket: Socket;
  readonly #waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  #buffer: Buffer = Buffer.alloc(0);

  constructor(port: number, host = '127.0.0.1') {
    this.#socket = connect(port, host);
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk) => this.#read(chunk));
    this.#socket.on('error', (err) => this.#waiting.splice(0).forEach((w) => w.reject(err)));
  }

  command(...args: Array<string | number>): Promise<Reply> {
    const parts = args.map(String);
    let out = `*${parts.length}\r\n`;
    for (const p of parts) out += `$${Buffer.byteLength(p)}\r\n${p}\r\n`;
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#socket.write(out);
    });
  }

  close(): void {
    this.#socket.end();
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    for (;;) {
      const parsed = parse(this.#buffer, 0);
      if (!parsed) return;
      this.#buffer = this.#buffer.subarray(parsed.end);
      const w = this.#waiting.shift();
      if (parsed.value instanceof Error) w?.reject(parsed.value);
      else w?.resolve(parsed.value);
    }
  }
}

/** One reply from `buf` at `at`, or null when it is not all there yet. */
function parse(buf: Buffer, at: number): { value: Reply | Error; end: number } | null {
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return null;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, nl);
  if (type === '+') return { value: line, end: nl + 2 };
  if (type === '-') return { value: new Error(line), end: nl + 2 };
  if (type === ':') return { value: Number(line), end: nl + 2 };
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, end: nl + 2 };
    if (buf.length < nl + 2 + n + 2) return null;
    return { value: buf.toString('utf8', nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, end: nl + 2 };
    const items: Reply[] = [];
    let end = nl + 2;
    for (let i = 0; i < n; i++) {
      const item = parse(buf, end);
      if (!item) return null;
      if (item.value instanceof Error) return item;
      items.push(item.value);
      end = item.end;
    }
    return { value: items, end };
  }
  return { value: new Error(`unexpected RESP type ${type}`), end: nl + 2 };
}

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

/** The adapter class oidc-provider constructs once per model name. */
export function redisAdapter(redis: Resp) {
  return class RedisAdapter {
    readonly name: string;
    constructor(name: string) {
      this.name = name; // no parameter property: Node 24 strips types but does not transform
    }
    #key(id: string) {
      return `${this.name}:${id}`;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const key = this.#key(id);
      const ttl = expiresIn ? ['EX', expiresIn] : [];
      await redis.command('SET', key, JSON.stringify(payload), ...ttl);
      if (payload.grantId) {
        await redis.command('RPUSH', `grant:${payload.grantId}`, key);
        if (expiresIn) await redis.command('EXPIRE', `grant:${payload.grantId}`, expiresIn, 'GT');
      }
      if (payload.uid) await redis.command('SET', `uid:${payload.uid}`, id, ...ttl);
      if (payload.userCode) await redis.command('SET', `userCode:${payload.userCode}`, id, ...ttl);
    }

    async find(id: string): Promise<Payload | undefined> {
      const v = await redis.command('GET', this.#key(id));
      return typeof v === 'string' ? (JSON.parse(v) as Payload) : undefined;
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const id = await redis.command('GET', `uid:${uid}`);
      return typeof id === 'string' ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const id = await redis.command('GET', `userCode:${userCode}`);
      return typeof id === 'string' ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const found = await this.find(id);
      if (found) await redis.command('SET', this.#key(id), JSON.stringify({ ...found, consumed: Math.floor(Date.now() / 1000) }), 'KEEPTTL');
    }

    async destroy(id: string): Promise<void> {
      await redis.command('DEL', this.#key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const keys = await redis.command('LRANGE', `grant:${grantId}`, 0, -1);
      if (Array.isArray(keys) && keys.length) await redis.command('DEL', ...(keys as string[]));
      await redis.command('DEL', `grant:${grantId}`);
    }
  };
}
