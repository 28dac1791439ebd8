// The few parts of oidc-provider 8.x and 9.x the baselines use (the package ships no types and @types/oidc-provider is not installed).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContextWithOIDC {
    path: string;
    req: IncomingMessage;
    res: ServerResponse;
    status: number;
    body: unknown;
    set(name: string, value: string): void;
  }
  export interface Interaction {
    uid: string;
    params: Record<string, unknown>;
    prompt: { name: string; reasons: string[] };
    session?: { accountId?: string };
    grantId?: string;
  }
  export interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  export interface Configuration {
    clients?: Record<string, unknown>[];
    scopes?: string[];
    pkce?: { methods?: string[]; required?: (ctx: unknown, client: unknown) => boolean };
    issueRefreshToken?: (ctx: unknown, client: unknown, code: unknown) => Promise<boolean> | boolean;
    rotateRefreshToken?: (ctx: unknown) => Promise<boolean> | boolean;
    findAccount?: (ctx: unknown, sub: string) => Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> }>;
    interactions?: { url: (ctx: unknown, interaction: Interaction) => string };
    features?: Record<string, { enabled: boolean }>;
    cookies?: { keys: string[] };
    jwks?: { keys: unknown[] };
    ttl?: Record<string, number>;
    /** A class constructed with a model name (Session, AccessToken, …); see redis-adapter.ts. */
    adapter?: unknown;
  }
  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    Grant: { new (init: { accountId: string; clientId: string }): Grant; find(id: string): Promise<Grant | undefined> };
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    on(event: string, listener: (...args: unknown[]) => void): void;
  }
}

// The memory adapter's module (8.x: a module-wide store set with setStorage; 9.x: the store passed to the class).
declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  export interface MemoryStore {
    get(key: string): unknown;
    set(key: string, value: unknown, options?: unknown): void;
    delete(key: string): unknown;
  }
  export function setStorage(store: MemoryStore): void;
  export default class MemoryAdapter {
    constructor(model: string, store?: MemoryStore, clockTolerance?: number);
  }
}
declare module 'oidc-provider/lib/helpers/lru.js' {
  export default class LRU {
    constructor(opts: { maxSize: number });
    get(key: string): unknown;
    set(key: string, value: unknown, options?: unknown): void;
    delete(key: string): unknown;
  }
}
